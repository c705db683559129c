"""
Who may do what to an article: the object-level rules, in one place.

Model permissions (given to the Reporter, Editor and Chief editor groups by a data migration)
say what a role may do at all; these functions add what depends on the article itself.
The admin and the workflow both ask here, so a rule is enforced on the server even when a
button is hidden.
"""

from articles.models import Article

EDITOR_PERMISSION = "articles.publish_article"
CURATOR_PERMISSION = "articles.change_editorspick"


def is_editor(user):
    return user.is_active and user.has_perm(EDITOR_PERMISSION)


def is_curator(user):
    return user.is_active and user.has_perm(CURATOR_PERMISSION)


def is_own_article(user, article):
    """The user created the article or is one of its bylined authors."""
    if not user.is_authenticated or article.pk is None:
        return article.pk is None
    if article.created_by_id == user.pk:
        return True
    return article.authors.filter(user=user).exists()


def can_edit_article(user, article):
    """
    Editors edit any article. A reporter edits their own drafts, and proposes changes to their
    own live stories: those are saved as a revision readers do not see until an editor publishes
    it (``articles.revisions``). Stories in review or scheduled wait for the editor.
    """
    if not user.is_active or not user.has_perm("articles.change_article"):
        return False
    if is_editor(user):
        return True
    reporter_may_edit = [Article.Status.DRAFT, *Article.Status.live()]
    return article.status in reporter_may_edit and is_own_article(user, article)


def can_submit_article(user, article):
    return is_editor(user) or (user.is_active and is_own_article(user, article))
