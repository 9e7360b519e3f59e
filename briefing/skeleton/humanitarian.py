"""Humanitarian: civilians, refugees, evacuations and aid.

An example section plugin, put in plugins/examples/ by `briefing init` for reading: the files there are not
loaded, so a new workspace prints the house's sections only. To use it, move it up into plugins/
(`mv plugins/examples/humanitarian.py plugins/`) and edit its terms. Stories go to the section whose terms fit
them best; `briefing docs plugins` documents every hook.
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
