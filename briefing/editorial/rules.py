"""Rules: the hand-written editorial rules, each named, with the texts it must catch and the ones it must not.

In: a title or a sentence. Out: whether a rule holds for it. Every rule carries its examples and counter-examples
(a test runs them all), and the report names the rule whenever one leaves something out or passes it over.
Patterns here run on untrusted text: each is anchored or bounded so that it runs in time linear in its input.
Honorifics, which several rules need, are one shared list (:data:`HONORIFICS`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    """A named pattern with what it is for and the texts it must and must not match."""

    name: str
    why: str
    pattern: re.Pattern[str]
    examples: tuple[str, ...] = field(default=())
    counter_examples: tuple[str, ...] = field(default=())
    where: str = "search"  # "search" anywhere, "match" at the start, "end" in the last 80 characters

    def __call__(self, text: str) -> bool:
        if self.where == "match":
            return self.pattern.match(text) is not None
        if self.where == "end":
            return self.pattern.search(text[-80:]) is not None
        return self.pattern.search(text) is not None


# An honorific written before a name: capitalised, but naming no one ("Mr. Chaus").
HONORIFICS = ("Mr", "Mrs", "Ms", "Dr")


TEASER_TITLE = Rule(
    "teaser title",
    "a title that sells a video, a live page, a question or an opinion rather than telling the news",
    re.compile(
        r"^(?:[^:]{1,20}:\s)?(?:see|watch|video|listen|live|analysis|opinion|explainer|in pictures|pictured|photos?"
        r"|how|why|what|who|here'?s|quiz)\b|\?|\blive (?:updates|news|blog)\b|\blive:|[-–—:]\s*live\b|\blatest:|\|"
        r"|\bhere(?:'s|’s| is| are)\b|\btakeaways?\b|\bquiz\b|\bin (?:photos|pictures|videos?)\b|\bwhat we know\b"
        r"|\bwhat to know\b",
        re.IGNORECASE),
    examples=("See video of Putin's visit to Ukraine", "Russia-Ukraine war live: Zelenskiy visits front",
              "Why the Black Sea is a flashpoint between Russia and the West", "Will Xi broker peace?",
              "Watch: drone footage released by the Pentagon", "Putin and Xi meet in Moscow. Here's how",
              "Xi leaves Moscow: here are some takeaways", "Key takeaways from Xi's visit to Moscow",
              "Russia's war in Ukraine in photos", "Drone downed over Black Sea: what we know so far",
              "Quiz: how well do you know Ukraine?"),
    counter_examples=("Putin visits occupied Mariupol", "US releases video of Russian jet hitting drone",
                      "Xi says China ready to stand guard over world order",
                      "Zelensky says Bakhmut is holding as Russian assaults go on"),
)

ROUNDUP_TITLE = Rule(
    "round-up title",
    "a newsletter or list of the day's events: its title names no event",
    re.compile(r"\b(?:list of key events|key events|at a glance|what we know|round-?up|briefing|morning report"
               r"|evening report|first thing|the papers)\b", re.IGNORECASE),
    examples=("Russia-Ukraine war: List of key events, day 389", "Your Monday Briefing: Putin and Xi to meet",
              "Russia-Ukraine war at a glance: what we know on day 389 of the invasion",
              "The Papers: Passport strike and arrest warrant for Putin"),
    counter_examples=("Putin welcomes China's willingness to play constructive role", "UK intelligence update: "
                      "Russian forces making gains near Avdiivka"),
)

DEPENDENT_OPENING = Rule(
    "leans on the sentence before",
    "a sentence that opens by pointing back (a pronoun, a connective, 'the move'): it cannot open an item",
    re.compile(
        r"^[\"“'‘]?(?:he|she|they|it|this|that|these|those|his|her|their|its|but|and|or|however|also|meanwhile"
        r"|yet|so|then|there|such|both|another|the\s+(?:move|report|statement|comments?|decision)|him|them)\b",
        re.IGNORECASE),
    examples=("He said the offensive would resume in spring.", "But the Kremlin denied it.",
              "The move drew criticism from Kyiv.", "“This is a war crime,” he added."),
    counter_examples=("Ukraine's military said it repelled 70 assaults.", "Heavy fighting continued in Bakhmut.",
                      "Thermal images showed the drone's wreckage."),
    where="match",
)

ALSO_BACK = Rule(
    "refers back with 'also'",
    "a definite description and 'also' point back to an earlier sentence ('The senator also pledged …')",
    re.compile(r"^[\"“'‘]?(?:the|this|that)\s[^,.;:]{0,50}?\balso\b", re.IGNORECASE),
    examples=("The South Carolina senator also pledged support for Kyiv.", "The ministry also said two were hurt."),
    counter_examples=("The ministry said two were hurt.", "Poland also sent tanks, officials said."),
    where="match",
)

PRONOUN_AFTER_OPENING = Rule(
    "names its subject by a pronoun",
    "a short opening phrase, then a personal pronoun as the subject ('Already in 1930, he …'): whom it means "
    "was named in an earlier sentence",
    re.compile(r"^[\"“'‘]?[^,;:.!?\"“”]{2,40},\s+(?:he|she|they|his|her|their)\s", re.IGNORECASE),
    examples=("Already in 1930, he had praised collectivization.", "Speaking in Kyiv on Monday, she said aid would come.",
              "In a statement, their lawyers denied it."),
    counter_examples=("On Monday, Russian forces shelled Kherson.", "In Bakhmut, Ukrainian units held the line.",
                      "On Monday, it emerged that the plant had lost power."),
    where="match",
)

PRONOUN_SPEAKER = Rule(
    "quotes an unnamed speaker",
    "a quotation closed by 'he said': whom it means was named in an earlier sentence",
    re.compile(r"[\"”’'],?\s+(?:he|she|they)\s+(?:said|says|added|told\b[^.]{0,60}|wrote|noted)\.?$", re.IGNORECASE),
    examples=("“We will not give up Bakhmut,” he said.", "“It was a provocation,” she told reporters."),
    counter_examples=("“We will not give up Bakhmut,” Zelensky said.", "He said the line would hold."),
    where="end",
)

UNINTRODUCED = Rule(
    "honorific before introduction",
    "'Mr. Chaus told …' when no earlier sentence named Chaus in full: news style names a person first",
    re.compile(r"^[\"“'‘]?(?:" + "|".join(HONORIFICS) + r")\.?\s+([A-Z][\w’'-]+)"),
    examples=("Mr. Chaus told the court he was innocent.", "Dr Smith said the wounds were severe."),
    counter_examples=("Oleksiy Chaus told the court he was innocent.", "Doctors said the wounds were severe."),
    where="match",
)

TRUNCATED = Rule(
    "cut off",
    "a feed's teaser cut off mid-sentence: it ends in an ellipsis right after a word or a comma",
    re.compile(r"[\w,]\s?(?:\.\.\.|…)$"),
    examples=("Ukrainian forces are still holding onto their fortified positions in the center of...",
              "The minister said that, …"),
    counter_examples=("The minister said the talks would continue.", "Talks resumed... and stalled again."),
    where="end",
)

ADDRESSES_READER = Rule(
    "speaks to the reader",
    "a live page's or newsletter's words to its reader about itself ('welcome back to our live coverage'): "
    "no news in them",
    re.compile(r"^(?:(?:hello|hi|good (?:morning|afternoon|evening))[\s,!]+(?:and\s+)?)?welcome\b"
               r"|^(?:follow|read|sign up|subscribe|click|tap|scroll|watch|listen)\b[^.!?]{0,60}\b(?:live|coverage"
               r"|blog|updates|newsletter|here|below|interview|episode|video|podcast)\b"
               r"|\bour (?:continuing |ongoing |rolling )?live (?:coverage|blog|page)\b"
               r"|\b\d{1,2}(?::\d\d)?\s?[ap]\.?m\.? (?:ET|EST|EDT|GMT|BST)\b",
               re.IGNORECASE),
    examples=("Hello and welcome back to our continuing live coverage of Russia’s war in Ukraine",
              "Welcome to our live coverage of the war in Ukraine.", "Good morning and welcome to the blog.",
              "Follow our live coverage here.", "Sign up for our daily newsletter.",
              "You can read all our live coverage of the war below.",
              "Watch the full exclusive interview on Wednesday, March 8 at 9 p.m. ET",
              "Listen to the full episode of our podcast."),
    counter_examples=("Zelensky welcomed the decision.", "Putin welcomes China’s willingness to play a constructive role",
                      "Follow-up talks are planned for April.", "The live ammunition drills ended on Sunday.",
                      "Read the full statement, Kuleba told reporters, and judge for yourselves.",
                      "Watchdogs said the plant had lost power again."),
)

CREDIT_LINE = Rule(
    "credit line",
    "a picture's or agency's credit, not a sentence of the news ('© AP', 'Photograph: Reuters')",
    re.compile(r"©|\((?:AP|Reuters|AFP|Getty)[^)]{0,40}\)\s*$|^(?:credit|photograph|photo|image|picture)s?\s*:"
               r"|\b(?:AP|AFP|Getty|Reuters|EPA)(?: Photo| Images|/)[^.]{0,40}$", re.IGNORECASE),
    examples=("© AP Pentagon press secretary Pat Ryder speaks to reporters", "Photograph: Sergei Supinsky/AFP",
              "A tank fires near Bakhmut (AP Photo/Libkos)", "Zelensky in Kyiv. Getty Images/Anadolu"),
    counter_examples=("The AP reported that two people were killed.", "Reuters could not verify the footage.",
                      "Getty, the museum, reopened its Ukrainian gallery."),
)

PREVIEW = Rule(
    "previews an event",
    "a sentence about a meeting, visit or vote still to come ('they meet again on Tuesday'): stale once the "
    "event is reported, so it is told only when the story has nothing else",
    re.compile(r"\b(?:is|are|was|were)\s+(?:due|expected|set|scheduled|slated)\s+to\s+(?:meet|visit|travel|arrive"
               r"|hold|host|speak|address|vote|sign|begin|start|resume|attend)\b"
               r"|\b(?:will|to)\s+(?:meet|visit|travel to|arrive in|hold talks|host|address|vote|sign)\b[^.;]{0,60}"
               r"\b(?:on|next|this|later|from)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
               r"|\b(?:meet|talk|speak)s? again\b[^.;]{0,30}\b(?:on|next|this|later)\b", re.IGNORECASE),
    examples=("The two leaders are expected to meet on Tuesday.", "Xi will travel to Moscow on Monday for talks.",
              "They meet again on Tuesday for a formal dinner.", "Lawmakers are due to vote on the bill next week."),
    counter_examples=("Poland will send four MiG-29 fighter jets to Ukraine.", "Xi met Putin in the Kremlin on Monday.",
                      "The talks are expected to be difficult."),
)

FRAGMENT_END = re.compile(r"""[.!?…]["'”’)\]]*$""")


def fragment(text: str) -> bool:
    """A short piece with no closing stop (a standfirst's tail: "Black Sea grain deal renewed")."""
    return len(text.split()) < 8 and not FRAGMENT_END.search(text.strip())


RULES = (TEASER_TITLE, ROUNDUP_TITLE, DEPENDENT_OPENING, ALSO_BACK, PRONOUN_AFTER_OPENING, PRONOUN_SPEAKER,
         UNINTRODUCED, TRUNCATED, ADDRESSES_READER, CREDIT_LINE, PREVIEW)


def leans_back(text: str) -> str:
    """The name of the rule by which a sentence depends on the one before it, or ""."""
    for rule in (DEPENDENT_OPENING, ALSO_BACK, PRONOUN_AFTER_OPENING, PRONOUN_SPEAKER):
        if rule(text):
            return rule.name
    return ""
