"""Sanctions: economic measures against Russia and how they bite or are evaded."""

from briefing import Section, hookimpl

PROFILE = {
    "terms": {
        "sanctions": 4, "sanctioned": 3.5, "sanction": 3.5, "price cap": 4, "embargo": 3.5,
        "export controls": 3.5, "frozen assets": 3.5, "assets": 1.5, "oligarch": 2.5, "oligarchs": 2.5,
        "swift": 3, "central bank": 2.5, "banks": 1.5, "bank": 1, "gazprombank": 3, "evasion": 3,
        "evade": 2.5, "exports": 2, "imports": 2, "revenue": 2, "revenues": 2, "oil": 2, "crude": 2.5,
        "gas": 1.5, "lng": 2, "economy": 2, "economic": 1.5, "rouble": 2.5, "ruble": 2.5, "budget": 1.5,
        "trade": 1.5, "tariffs": 2.5, "g7": 2.5, "treasury": 2.5, "seized": 1.5, "fossil fuel": 2.5,
        "grain deal": 2, "grain": 1.5, "black sea grain initiative": 3, "inflation": 1.5,
    },
    "examples": [
        "The EU agreed a tenth package of sanctions targeting Russian banks and dual-use exports.",
        "Russia's oil revenues fell sharply after the G7 price cap took effect.",
    ],
}


@hookimpl
def briefing_sections():
    return [Section(key="sanctions", title="Sanctions", order=50, profile=PROFILE,
                    subject="russia-ukraine-war")]
