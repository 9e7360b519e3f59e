"""Test plugin: when the PDF stage starts, leaves a marker file and waits there (to be killed)."""

import os
import time

import briefing.output.render
from briefing import hookimpl


@hookimpl
def briefing_prepare_issue(issue):
    real = briefing.output.render.render_pdf

    def marked_render_pdf(html):
        open(os.environ["PDF_MARKER"], "w").close()
        time.sleep(60)
        return real(html)

    briefing.output.render.render_pdf = marked_render_pdf
