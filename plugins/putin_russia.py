"""Putin & Russia: the Kremlin, Russian politics and society, and the case against Russia's leadership."""

from briefing import Section, hookimpl

PROFILE = {
    "terms": {
        "kremlin": 3, "putin": 2.5, "peskov": 3.5, "medvedev": 3.5, "lavrov": 3, "shoigu": 3,
        "gerasimov": 3, "duma": 3.5, "security council": 2.5, "mobilisation": 3, "mobilization": 3,
        "conscription": 3, "draft": 2, "prigozhin": 2, "election": 2, "presidential election": 3, "re-election": 3, "opposition": 2.5, "navalny": 3.5,
        "dissent": 3, "protest": 2, "propaganda": 2.5, "state tv": 2.5, "state media": 2, "ria novosti": 2,
        "tass": 1.5, "icc": 3, "international criminal court": 3.5, "arrest warrant": 3.5,
        "war crimes": 2.5, "deportation": 2.5, "children": 1.5, "investigative committee": 3.5,
        "mariupol": 2, "crimea": 1.5, "annexation": 2.5, "annexed": 2, "visit": 1, "visited": 1,
        "russian president": 2, "moscow": 1.5, "russian officials": 2, "nuclear": 2, "hypersonic": 2.5,
        "treason": 3, "repression": 3, "russian society": 3, "sberbank": 1,
    },
    "examples": [
        "Kremlin spokesman Dmitry Peskov said Moscow did not recognise the court's jurisdiction.",
        "Putin visited the occupied city in his first trip to the annexed territory since the invasion.",
    ],
}


@hookimpl
def briefing_sections():
    return [Section(key="putin_russia", title="Putin & Russia", order=60, profile=PROFILE,
                    subject="russia-ukraine-war")]
