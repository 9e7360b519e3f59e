"""Containment: Western weapons, military aid, NATO and allied support that holds Russia back."""

from briefing import Section, hookimpl

PROFILE = {
    "terms": {
        "military aid": 3.5, "military assistance": 3.5, "security assistance": 3.5, "aid package": 3,
        "weapons": 2.5, "arms": 1.5, "ammunition": 2.5, "shells": 1.5, "deliveries": 2, "delivered": 1.5,
        "tanks": 1.5, "leopard": 3.5, "abrams": 3.5, "challenger": 3, "f-16": 3.5, "fighter jets": 3,
        "mig-29": 3, "himars": 3.5, "patriot": 3, "air defence systems": 2, "nato": 2.5, "alliance": 1.5,
        "allies": 2, "western": 1.5, "pentagon": 2.5, "ramstein": 3.5, "lend-lease": 3, "billion": 1,
        "poland": 2, "polish": 2, "germany": 1.5, "german": 1.5, "united kingdom": 1, "britain": 1,
        "slovakia": 2.5, "baltic": 1.5, "finland": 2, "sweden": 2, "accession": 2, "eu membership": 2,
        "european union": 1.5, "defence ministers": 2.5, "defense secretary": 2.5, "austin": 1.5,
        "training": 1.5, "supply": 1.5, "support for ukraine": 2.5, "rearm": 2.5, "stoltenberg": 3,
        # the West's arms industry and stockpiles that keep Ukraine supplied
        "artillery shells": 3, "rounds": 1.5, "stockpiles": 2.5, "joint procurement": 3, "defence industry": 2.5,
        "defense industry": 2.5, "arms industry": 2.5, "war production": 2.5, "production": 1, "arm ukraine": 3,
        "eu": 1.5, "member states": 1.5, "explosives": 1.5,
    },
    "examples": [
        "Poland said it would send fighter jets to Ukraine within days, the first NATO member to do so.",
        "The Pentagon announced a new security assistance package including ammunition for HIMARS.",
    ],
}


@hookimpl
def briefing_sections():
    return [Section(key="containment", title="Containment", order=40, profile=PROFILE,
                    subject="russia-ukraine-war")]
