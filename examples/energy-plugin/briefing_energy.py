"""Energy: gas transit through Ukraine, the oil price cap, and strikes on energy infrastructure."""

from briefing import Section, hookimpl

PROFILE = {
    "terms": {
        # gas and its transit
        "gas": 2, "natural gas": 3, "gas transit": 5, "transit": 2, "pipeline": 3, "pipelines": 3,
        "gazprom": 4, "naftogaz": 4, "lng": 3,
        # oil and the price cap
        "oil": 3, "crude": 3, "price cap": 5, "oil revenues": 5, "barrel": 3, "refinery": 3,
        # the power grid under attack
        "energy": 3, "energy infrastructure": 5, "power plant": 4, "power station": 4, "power grid": 5,
        "blackouts": 4, "power cuts": 4, "electricity": 3, "substation": 4,
    },
    "examples": [
        "Russian missiles struck power plants and substations, causing blackouts across the country.",
        "Russia's oil export revenues fell as the price cap and the EU embargo took effect.",
        "Gas kept flowing to Europe through Ukraine's transit pipelines.",
    ],
}


@hookimpl
def briefing_sections(config):
    return [Section(key="energy", title="Energy", order=45, profile=PROFILE)]
