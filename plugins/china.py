"""China: Beijing's stance on the war, its ties with Moscow and its diplomacy."""

from briefing import Section, hookimpl

PROFILE = {
    "terms": {
        "china": 4, "chinese": 3.5, "beijing": 4, "xi": 4, "xi jinping": 5, "wang yi": 4, "qin gang": 4,
        "people's daily": 3, "peace plan": 3, "12-point": 3.5, "taiwan": 2.5, "sino-russian": 4,
        "no limits": 3, "no-limits": 3, "state visit": 2.5, "summit": 1.5, "communist party": 2.5,
        "asia-pacific": 2, "indo-pacific": 2, "aukus": 2.5, "multipolar": 2.5, "global south": 2,
        "india": 1.5, "iran": 1.5, "saudi": 1, "brokered": 1.5, "partnership": 1.5,
    },
    "examples": [
        "Xi Jinping arrived in Moscow for a state visit, presenting China as a neutral peacemaker.",
        "Beijing's 12-point peace plan calls for a ceasefire but not for a Russian withdrawal.",
    ],
}


@hookimpl
def briefing_sections():
    return [Section(key="china", title="China", order=70, profile=PROFILE,
                    subject="russia-ukraine-war")]
