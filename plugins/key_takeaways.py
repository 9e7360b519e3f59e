"""Key Takeaways: the battlefield — fighting, strikes, front-line movements, military assessments."""

from briefing import Section, hookimpl

PROFILE = {
    "terms": {
        "front line": 3, "frontline": 3, "front lines": 3, "offensive": 2.5, "counteroffensive": 3,
        "counter-offensive": 3, "counterattack": 3, "assault": 2, "assaults": 2, "shelling": 3, "shelled": 3,
        "missile strike": 3, "missile strikes": 3, "airstrike": 3, "air strike": 3, "drone attack": 3,
        "drones": 2, "shahed": 3, "air defence": 2, "air defense": 2, "shot down": 3, "troops": 2,
        "forces": 1.5, "brigade": 2.5, "battalion": 2.5, "artillery": 2.5, "trenches": 2.5, "fighting": 2.5,
        "battle": 2, "battlefield": 2.5, "bakhmut": 3, "avdiivka": 3, "vuhledar": 3, "kreminna": 3,
        "lyman": 3, "marinka": 3, "mariinka": 3, "soledar": 3, "kramatorsk": 2, "donetsk oblast": 2,
        "general staff": 2, "isw": 3, "institute for the study of war": 3, "ministry of defence": 1.5,
        "intelligence update": 2, "killed": 1.5, "wounded": 1.5, "casualties": 2, "repelled": 3,
        "military": 1, "soldiers": 1.5, "wagner": 1.5, "mercenaries": 1.5, "warships": 2, "black sea fleet": 2,
        "cluster bombs": 3, "explosions": 2, "explosion": 1.5, "destroyed": 1.5, "damaged": 1.5, "occupied": 1,
        "kherson": 1.5, "zaporizhzhia": 1.5, "collaborator": 2, "sabotage": 2, "partisans": 2,
    },
    "examples": [
        "Ukrainian forces repelled dozens of Russian assaults near the eastern city over the past day.",
        "Russian troops shelled residential areas overnight, killing two civilians, the regional governor said.",
        "British military intelligence said the Russian offensive was losing momentum around the town.",
    ],
}


@hookimpl
def briefing_sections():
    return [Section(key="key_takeaways", title="Key Takeaways", order=20, profile=PROFILE,
                    subject="russia-ukraine-war")]
