"""A section defined the way a plugin author would: a title, terms with weights and a dozen example texts.

Used by tests/test_plugin_sections.py: built on a whole real day, it must claim the day's energy stories and
nothing else. No weight of it is learned; it competes through the judge's shared coefficients.
"""

from briefing import Section, hookimpl

PROFILE = {
    "terms": {
        "energy": 3, "gas": 3, "natural gas": 4, "lng": 4, "oil": 3, "crude": 4, "pipeline": 4, "pipelines": 4,
        "nord stream": 5, "gazprom": 4, "rosneft": 4, "price cap": 4, "barrel": 3, "diesel": 3, "refinery": 4,
        "power plant": 4, "power grid": 5, "electricity": 4, "blackouts": 4, "tankers": 3, "fuel": 2,
    },
    "examples": [
        "Russia's oil export revenues fell as the price cap and the EU embargo took effect.",
        "Gas kept flowing to Europe through Ukraine's transit pipelines despite the war.",
        "Russian missiles struck power plants and substations, causing blackouts across Ukraine.",
        "India and China bought record volumes of discounted Russian crude oil.",
        "Europe filled its gas storage ahead of winter with shipments of liquefied natural gas.",
        "Investigators searched the seabed near the damaged Nord Stream gas pipelines.",
        "Ukraine's grid operator restored electricity to Kyiv after a wave of drone attacks on the power grid.",
        "Gazprom cut gas deliveries to Europe, citing a fault in a pipeline turbine.",
        "The G7 agreed a price cap on Russian diesel and other refined oil products.",
        "Tankers carrying Russian crude sailed under flags of convenience to avoid the price cap.",
        "Oil prices rose after Russia said it would cut its output by half a million barrels a day.",
        "Kazakhstan looked for new routes to export its oil that avoid Russian pipelines.",
    ],
}


@hookimpl
def briefing_sections():
    return [Section(key="energy", title="Energy", order=45, profile=PROFILE)]
