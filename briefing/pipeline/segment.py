"""Segment: Document → paragraphs of verbatim Sentences, with web debris left out.

In: a :class:`Document`. Out: a list of paragraphs, each a list of :class:`Sentence` whose
``document.text[start:end]`` is exactly its text. As a stage (:func:`run`): the gate's articles →
:class:`~briefing.pipeline.stages.Segmented`, each article's paragraphs from the sources' cache when it has them. Debris (reply boxes, promos, captions, bylines,
subheadings) is recognised paragraph by paragraph and never becomes a sentence.
"""

from __future__ import annotations

import re
from functools import lru_cache

import syntok.segmenter as syntok

from ..models import Document, Sentence
from .stages import Gated, Segmented

PARAGRAPH_BREAK = re.compile(r"\n\s*\n|\n(?=\s*[•\-–*]\s)|\n")

# Whole paragraphs that are page furniture, not news.
DEBRIS = re.compile(
    r"""^(?:
        leave\ a\ reply | back\ to\ top(?:\ button)? | related\ articles | read\ (?:full|more)\ article
      | source:\s.* | powered\ by\ automated\ translation | your\ email\ address\ will\ not\ be\ published.*
      | view\ from\ london | your\ weekly\ update\ from.* | updated:\s.* | published:\s.* | sign\ up.*
      | subscribe.* | advertisement | share\ this\ article | follow\ us.* | click\ here.* | image\ source.*
      | (?:photo|image|picture)s?:?\s.* | .*\bcontributed\ to\ this\ (?:article|report).*
      | by\ [A-Z][\w.'-]+(?:\s[A-Z][\w.'-]+){0,3}(?:\s(?:and|&)\s[A-Z][\w.'-]+(?:\s[A-Z][\w.'-]+){0,3})?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Photo captions and credits: "(pictured: right)", "[Sputnik/Kremlin via Reuters]", "… AP", "… Getty Images".
CAPTION = re.compile(
    # the first "(pictured" / "(photo" of the paragraph (the parentheses before it skipped, never re-read),
    # then its closing parenthesis
    r"\A(?:[^(]*+\((?!(?i:pictured|picture|photo)))*+[^(]*+\((?i:pictured|picture|photo)[^)]*\)"
    # a bracket "[… via … Reuters …]": the brackets are read one after another, each from its first "[", and
    # in each only the first "via" or "/" and the first agency after it are looked for (enough, and linear)
    r"|\A(?:[^\[]*+\[[^\]]*+\])*?[^\[]*+\[(?>[^\]]*?(?:via|/))(?>[^\]]*?(?:Reuters|AP|AFP|Getty|EPA))[^\]]*+\]"
    r"|(?:\s|^)(?:AP|AFP|Reuters|Getty Images|EPA|Bloomberg)\s*$|\bphotograph:\s"
    # a credit in parentheses closing the paragraph: "(Umit Bektas/File Photo/Reuters)", "(Pool/AFP via Getty Images)"
    r"|\((?>[^()]*?(?:/|\bvia\s))[^()]*?(?:Reuters|AP|AFP|Getty(?: Images)?|EPA|Sputnik|Pool|Shutterstock)\)\s*$",
)
# Sentence-sized furniture inside a paragraph: embedded posts, promos, template debris, video credits.
SENTENCE_DEBRIS = re.compile(
    r"pic\.twitter\.com/|https?://t\.co/|\{\w+\}|^(?:subscribe|sign up|click here|follow us)\b"
    r"|\bis on substack now\b|^welcome to\b.*\bnewsletter\b"
    # a page speaking of itself: "… we take a look at the main developments."
    r"|\bwe (?:take a )?look at the (?:main|key|latest) developments\b|\bhere(?:'s|’s| is) what we know\b"
    # a video's credit line: "CNN's Alex Marquardt reports.", "NBC News’ Erin McLaughlin has the latest updates …"
    r"|^(?-i:[A-Z][\w.]*(?:\s[A-Z][\w.]*)?['’]s?\s(?:[A-Z][\w'’-]+\s){1,3})(?:reports\.$|has the latest\b|has more\b)"
    # a photo caption: "… at the chancellery in Berlin, on Aug. 10, 2022." / "… affected by shells, 14 April 2022."
    r"|,\s(?:on\s)?(?-i:[A-Z][a-z]{2,8}\.?\s\d{1,2},\s|\d{1,2}\s[A-Z][a-z]{2,8}\s)(?:19|20)\d\d\.?$"
    # "A patch is seen on an officer's uniform … on Dec. 16, 2022." (line by line, from the first "is seen" of each)
    r"|\A(?:[^\n]*+\n)*?(?>.*?\b(?:is|are)\sseen\b).*\s(?:19|20)\d\d\.?$",
    re.IGNORECASE,
)
# syntok ends a sentence after a title before a name ("Florida Republican Gov. | Ron DeSantis …")
TITLE_END = re.compile(r"\b(?:Gov|Sen|Rep|Lt|Gen|Col|Maj|Capt|Sgt|Adm|Cmdr|Brig|Prof|Rev|Amb|Supt|Det|Insp)\.$")
BULLETS = "•●▪◦‣*–- \t"
TERMINAL = re.compile(r"""[.!?…]["'”’)\]]*\s*$""")


def quote_open(sentence: str) -> bool:
    """True when a quotation opened in ``sentence`` is not closed in it."""
    return sentence.count('"') % 2 == 1 or sentence.count("“") > sentence.count("”")


def paragraphs(text: str) -> list[tuple[int, int]]:
    """Spans of the non-empty paragraphs of ``text``."""
    spans = []
    start = 0
    for m in PARAGRAPH_BREAK.finditer(text):
        if text[start : m.start()].strip():
            spans.append((start, m.start()))
        start = m.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def is_debris(paragraph: str, first: bool = False) -> bool:
    """True for a paragraph that is page furniture: promos, captions, credits, bylines, subheadings.

    ``first`` marks a document's opening paragraph: there a short unpunctuated line is a standfirst
    ("Appearance seen as apparent show of defiance after …"), not a subheading, when it has six words or more.
    """
    p = paragraph.strip().strip("•*-– ").strip()
    if not p:
        return True
    if DEBRIS.match(p) or CAPTION.search(p):
        return True
    words = p.split()
    # A short line without closing punctuation is a subheading, a tag line or a credit; past the opening
    # paragraph (a standfirst often has no stop), a longer one is a photo caption.
    limit = 14 if first else 30
    if len(words) <= limit and not TERMINAL.search(p) and not (first and len(words) >= 6):
        return True
    return False


@lru_cache(maxsize=32768)
def _syntok_spans(chunk: str) -> tuple[tuple[int, int], ...]:
    """syntok's sentence spans in a paragraph; a paragraph syndicated to many outlets is split once."""
    spans = []
    for syn_para in syntok.analyze(chunk):
        for syn_sentence in syn_para:
            tokens = list(syn_sentence)
            if tokens:
                spans.append((tokens[0].offset, tokens[-1].offset + len(tokens[-1].value)))
    return tuple(spans)


def sentences(doc: Document) -> list[list[Sentence]]:
    """The document's clean paragraphs, each a list of verbatim sentences."""
    out: list[list[Sentence]] = []
    text = doc.text
    for index, (p_start, p_end) in enumerate(paragraphs(text)):
        chunk = text[p_start:p_end]
        if is_debris(chunk, first=index == 0):
            continue
        spans: list[tuple[int, int]] = []
        for rel_start, rel_end in _syntok_spans(chunk):
            start, end = p_start + rel_start, p_start + rel_end
            # keep a closing quote or bracket that the tokenizer leaves to the next sentence
            while end < p_end and text[end] in "\"'”’)]":
                end += 1
            while start < end and text[start] in BULLETS:  # a list bullet is not part of the sentence
                start += 1
            if spans and spans[-1][1] > start:  # the previous sentence took this one's opening quote
                start = spans[-1][1]
            # a quotation is never cut: while a quote is open, the next sentence joins this one (and so does
            # a name after its title)
            if spans and (quote_open(text[spans[-1][0] : spans[-1][1]])
                          or TITLE_END.search(text[spans[-1][0] : spans[-1][1]])):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        para = [Sentence(text[a:b], doc.id, a, b, index) for a, b in spans
                if len(text[a:b].split()) >= 3 and not SENTENCE_DEBRIS.search(text[a:b])]
        if para:
            out.append(para)
    return out


def run(ctx, gated: Gated) -> Segmented:
    """The stage: each of the gate's articles cut into paragraphs of sentences (kept in the sources' cache)."""
    split = ctx.cache.sentences if ctx.cache is not None else sentences
    return Segmented(gated, {d.id: split(d) for d in gated.articles})
