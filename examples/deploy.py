"""Asks a reviewer (not the requester) to approve, then reports what it deployed."""

import datetime

import airplane


def main(params):
    service, version = params["service"], params["version"]
    print(f"Preparing {service} {version}")
    values = airplane.prompt(
        {
            "replicas": int,
            "canary": bool,
            "window": datetime.date,
            "note": airplane.LongText,
        },
        reviewers=airplane.PromptReviewers(
            users=["lead@example.com"], groups=["ops"], allow_self_approvals=False
        ),
        confirm_text="Ship it",
        cancel_text="Stop",
        description=f"Deploy **{service}** {version}?",
    )
    print(f"Approved: {values['replicas']} replicas, canary={values['canary']}")
    airplane.set_output(service, "service")
    airplane.set_output(version, "version")
    airplane.set_output(values["replicas"], "replicas")
    airplane.set_output(values["canary"], "canary")
    airplane.set_output(str(values["window"]), "window")
    airplane.append_output(f"{service}-1", "hosts")
    airplane.append_output(f"{service}-2", "hosts")
