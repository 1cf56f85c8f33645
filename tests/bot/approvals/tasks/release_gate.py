"""Prompts with an integer, a boolean, a date, options, a regex and a long text; outputs them."""

import datetime
from typing import Annotated

import airplane


def main(params):
    values = airplane.prompt(
        {
            "replicas": Annotated[int, airplane.ParamConfig(name="Replicas", default=2)],
            "canary": Annotated[bool, airplane.ParamConfig(name="Canary")],
            "window": Annotated[datetime.date, airplane.ParamConfig(name="Window")],
            "region": Annotated[
                str, airplane.ParamConfig(name="Region", options=["eu", "us"], default="eu")
            ],
            "code": Annotated[str, airplane.ParamConfig(name="Change code", regex="[A-Z]{3}")],
            "note": airplane.LongText | None,
        },
        reviewers=airplane.PromptReviewers(
            users=["bob@example.com"], groups=["ops"], allow_self_approvals=False
        ),
        confirm_text="Ship it",
        cancel_text="Stop",
        description=f"Release **{params['service']}**?",
    )
    airplane.set_output({slug: str(value) for slug, value in values.items()})
