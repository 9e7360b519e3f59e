"""The Energy section claims the gas-transit story (the briefing_workspace fixture comes with briefing)."""

from pathlib import Path

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_gas_transit_is_an_energy_story(briefing_workspace):
    result = briefing_workspace([SAMPLES / "gas_transit.txt"])
    assert [i.headline for i in result.section("energy").items] == [
        "After a year of war, Russian gas still flowing through Ukraine"]
