"""A plugin's section, defined by a title, terms and a dozen examples, works on a whole real day."""

from __future__ import annotations

from pathlib import Path

from briefing.pipeline.build import build
from briefing.config.settings import load_config

from .conftest import DATA, ROOT, make_workspace

DAY = DATA / "feeds-full" / "2023-03-18"  # a whole subscription the model was never tuned on
SAMPLES = ROOT / "examples" / "energy-plugin" / "samples"  # real feed items about energy, 6-16 March 2023
# the samples' stories about power plants and the grid: energy, and no built-in section's subject
POWER = {
    "Has Putin’s assault on Ukraine’s power grid failed?",
    "Russian missile barrage hits Ukrainian power plant and key energy infrastructure",
}
# their stories about oil and its price cap: energy, or sanctions (both sections may claim them)
OIL = {
    "Estonia Calls for EU to Halve the $60 Price Cap on Russian Oil",
    "India to Ensure No Breach on Russia Oil Purchase Sanctions",
    "Russia's oil revenues fall sharply as the West's price cap starts to bite, IEA says",
}
ENERGY = POWER | OIL
ALSO = {  # energy stories too: the two of 15 March, and the day's own story of tankers carrying Russian oil
    "India’s Opaque Purchases of Russian Oil Emerge as Sanctions Test",
    "Russia oil revenues plummeted in February as war penalties hit key sector",
    "Tanker Giants Sprout From Nowhere to Keep Russian Oil Moving",
}


def test_an_energy_section_of_terms_and_examples_claims_nothing_else_and_energy_stories_stay_near(tmp_path):
    ws = make_workspace(tmp_path, [DAY, *sorted(SAMPLES.glob("*.xml"))],
                        config_text='[window]\nsince = "2023-03-06"\nuntil = "2023-03-18"\n',
                        plugins=[DATA / "plugins" / "energy_section.py"])
    result = build(load_config(ws / "briefing.toml", date="2023-03-19", formats="md"))
    energy = next(s for s in result.issue.sections if s.key == "energy")
    titles = [{s.title for s in item.sources} for item in energy.items]
    for claimed in titles:
        assert claimed <= ENERGY | ALSO, claimed  # nothing else
    for section in result.issue.sections:  # every power or oil story that printed is in energy or the house's
        for item in section.items:  # own section for it (the labelled days put strikes on the grid in Key
            titles_ = {s.title for s in item.sources}  # Takeaways, oil revenues in Sanctions)
            if item.sources and titles_ <= POWER:
                assert section.key in ("energy", "key_takeaways"), (section.key, item.headline)
            if item.sources and titles_ <= OIL:
                assert section.key in ("energy", "sanctions"), (section.key, item.headline)
    others = [i for s in result.issue.sections if s.key not in ("energy", "losses") for i in s.items]
    assert len(others) >= 15  # the rest of the day still fills the other sections
