"""Sources: fetching over HTTP safely, the HTTP cache, decoding bytes, sanitizing HTML, extracting a page's article."""
