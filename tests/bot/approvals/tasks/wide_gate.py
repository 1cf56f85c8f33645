"""Prompts BOB for a required ticket and 59 optional checks; outputs what it got."""

import airplane


def main(params):
    fields = {"ticket": str}
    fields.update({f"check_{i}": str | None for i in range(59)})
    values = airplane.prompt(
        fields,
        reviewers=airplane.PromptReviewers(users=["bob@example.com"]),
        description="Wide release checklist",
    )
    airplane.set_output({"ticket": values["ticket"], "check_0": values["check_0"]})
