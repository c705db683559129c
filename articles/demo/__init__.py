"""
Demo content for ``manage.py load_demo``: fictional sections, bylines, stories and photos.

``stories`` holds the content as plain data and ``photos`` draws the placeholder lead photos;
the command in ``articles/management/commands/load_demo.py`` puts them in the database.
"""
