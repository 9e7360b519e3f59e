"""The packaged templates (Markdown, HTML and the stylesheet); a workspace's templates/ overrides them."""
