"""Comments, Updates, Developments and Reports: relevant stories that no other section claims.

Diplomacy and other governments' statements about the war, Ukraine's own affairs, refugees and humanitarian
news, energy and grain, the nuclear plant, the West's political debate about supporting Ukraine, and stories
the war shapes in technology and culture. It is also the fallback section: a story no section claims comes here.
"""

from briefing import Section, hookimpl

PROFILE = {
    "terms": {
        "refugees": 3, "refugee": 3, "humanitarian": 3, "displaced": 2, "evacuation": 2, "aid agencies": 2,
        "grain deal": 3.5, "grain": 2, "black sea grain initiative": 3.5, "fertiliser": 2, "fertilizer": 2,
        "gas transit": 3, "pipeline": 2, "nord stream": 3, "energy": 1.5, "nuclear plant": 3, "iaea": 3,
        "ambassador": 2, "diplomat": 1.5, "diplomacy": 2, "peace talks": 2.5, "negotiations": 2, "united nations": 2,
        "un": 1, "congress": 1.5, "republicans": 1.5, "republican": 1.5, "democrats": 1.5, "senator": 1.5,
        "support for ukraine": 1.5, "reconstruction": 2.5, "corruption": 2, "ukrainian parliament": 2,
    },
    "examples": [
        "Poland will enter into a conflict with Russia in the event of the defeat of Kyiv, Poland's ambassador "
        "to France said on French television.",
        "Almost from the moment Russia invaded, Ukraine has urged European countries to end their reliance on "
        "Russian gas; the gas still flows through Ukraine's pipelines.",
        "The Kremlin told officials preparing Russia's presidential election to stop using Apple iPhones.",
        "Russia agreed to extend the Black Sea grain deal by 60 days, the United Nations said.",
        "Thousands of Ukrainian refugees in Britain face homelessness as sponsorships end.",
        "A Republican presidential hopeful called the war a territorial dispute, drawing criticism from senators.",
    ],
}


@hookimpl
def briefing_sections():
    return [Section(key="comments", title="Comments, Updates, Developments and Reports", order=30, fallback=True,
                    profile=PROFILE, subject="russia-ukraine-war")]
