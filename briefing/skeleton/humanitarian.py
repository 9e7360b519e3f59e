"""Humanitarian: civilians, refugees, evacuations and aid.

An example section plugin made by `briefing init`. Edit the terms, rename it, or delete the file.
Stories go to the section whose terms fit them best; see docs/plugins.md for every hook.
"""

from briefing import Section, hookimpl

PROFILE = {
    # term → weight: how strongly the term says "this story belongs here"
    "terms": {
        "humanitarian": 4, "refugees": 4, "refugee": 4, "evacuation": 3.5, "evacuated": 3, "displaced": 3.5,
        "civilians": 2.5, "aid": 2.5, "red cross": 3.5, "unicef": 3.5, "shelter": 2, "deported": 3,
        "deportation": 3, "children": 1.5, "hospital": 2, "food": 1.5, "water supply": 2.5,
    },
    # sentences that read like the stories this section wants
    "examples": [
        "Thousands of civilians were evacuated from the city as aid convoys waited at the checkpoint.",
    ],
}


@hookimpl
def briefing_sections(config):
    return [Section(key="humanitarian", title="Humanitarian", order=60, profile=PROFILE)]
