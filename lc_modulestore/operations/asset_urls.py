"""
What the LMS makes of a ``/static/`` link to a course file, and what its contentserver answers for
the URL, without the platform installed: for ``lc_demo`` and for operators checking a course.

Both follow edx-platform's code, rule for rule: ``static_replace`` (``StaticContent.
get_canonicalized_asset_path``: the asset key, the md5 version prefix, the CDN base URL for unlocked
files only, ``quote_plus(path, '/:+@')``, then ``block@`` turned into ``block/``) and the
contentserver view (``openedx.core.djangoapps.contentserver.views``: a stale digest redirects to
the current one, locked files and ``python_lib.zip`` get private no-cache headers, the others are
cacheable for the configured TTL). The file is looked up as ``LearningCoreContentStore.find``
looks it up (:class:`~lc_modulestore.serving.course_files.CourseFileReader`, the same serving
decision), and its bytes are read from Learning Core's storage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC
from typing import Final, cast
from urllib.parse import quote_plus, unquote

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import AssetKey, CourseKey
from opaque_keys.edx.locator import AssetLocator

from compile.static_files import asset_name

from ..serving.course_files import ASSET_CATEGORY, CourseFileReader
from ..serving.flags import DEFAULT_FLAG_NAME
from ..storage.course_files import FileRecord, open_file

__all__ = [
    "PRIVATE_NO_CACHE",
    "ContentserverAnswer",
    "cache_control",
    "contentserver_answer",
    "lms_asset_url",
]

VERSIONED_PREFIX: Final = "/assets/courseware/v1"  # StaticContent.add_version_to_asset_path
_VERSIONED: Final = re.compile(r"^/assets/courseware/(v\d/)?([a-f0-9]{32})")  # VERSIONED_ASSETS_PATTERN
HTTP_DATE_FORMAT: Final = "%a, %d %b %Y %H:%M:%S GMT"
PRIVATE_NO_CACHE: Final = "private, no-cache, no-store"
PYTHON_LIB: Final = "python_lib.zip"  # the platform's PYTHON_LIB_FILENAME: grading code, never public
# AssetExcludedExtensionsConfig's default: never from the CDN, never versioned.
EXCLUDED_EXTENSIONS: Final = ("html",)


def lms_asset_url(
    course_key: CourseKey,
    static_path: str,
    record: FileRecord | None,
    *,
    base_url: str = "",
    excluded_extensions: tuple[str, ...] = EXCLUDED_EXTENSIONS,
) -> str:
    """
    The URL the LMS writes for ``/static/<static_path>`` in a page of the course: versioned by the
    file's md5 when it has one, prefixed by the CDN ``base_url`` only when the file exists and is not
    locked (``record`` None: not found, treated as locked, as the platform does).
    """
    name = static_path.removeprefix("/static/").lstrip("/")
    asset_key = cast(AssetLocator, course_key.make_asset_key(ASSET_CATEGORY, asset_name(name)))
    asset_key = asset_key.for_branch(None)
    excluded = any(name.lower().endswith(ext.lower()) for ext in excluded_extensions)
    from_cdn = record is not None and not record.locked and not excluded
    path = "/" + str(asset_key)
    if record is not None and record.content_digest and not excluded:
        path = f"{VERSIONED_PREFIX}/{record.content_digest}{path}"
    url = (base_url if from_cdn else "") + quote_plus(path, "/:+@")
    return url.replace("block@", "block/", 1) if AssetLocator.CANONICAL_NAMESPACE in url else url


def cache_control(record: FileRecord, cache_ttl: int = 0) -> str | None:
    """
    The contentserver's ``Cache-Control``: private and uncacheable for a locked file (and the
    course's ``python_lib.zip``); for the others ``public`` for ``cache_ttl`` seconds
    (``CourseAssetCacheTtlConfig``), or no header at all at its default TTL of 0.
    """
    if record.locked or record.name == PYTHON_LIB:
        return PRIVATE_NO_CACHE
    if cache_ttl > 0:
        return f"public, max-age={cache_ttl}, s-maxage={cache_ttl}"
    return None


@dataclass
class ContentserverAnswer:
    """The contentserver's response, as far as the file decides it (access checks aside)."""

    status: int  # 200, 301 (a stale digest), 400 (no asset key), 404; 0: not a Learning Core course
    headers: dict[str, str] = field(default_factory=dict)
    first_bytes: bytes = b""
    record: FileRecord | None = None


def contentserver_answer(
    url_path: str, *, flag_name: str = DEFAULT_FLAG_NAME, cache_ttl: int = 0, peek: int = 64
) -> ContentserverAnswer:
    """
    What the contentserver serves for ``url_path`` (a path :func:`lms_asset_url` wrote), for a course
    Learning Core serves: the status, the headers the file decides, and the first ``peek`` bytes.
    Status 0 means the course's files come from the fallback contentstore (its flag is off).
    """
    path = unquote(url_path)
    if AssetLocator.CANONICAL_NAMESPACE in path:
        path = path.replace("block/", "block@", 1)
    requested = None
    versioned = _VERSIONED.match(path)
    if versioned is not None:
        requested, path = versioned.group(2), path[versioned.end() :]
    try:
        asset_key = AssetKey.from_string(path.strip("/"))
    except InvalidKeyError:
        return ContentserverAnswer(400)
    reader = CourseFileReader(flag_name)
    if not reader.serves(asset_key.course_key):
        return ContentserverAnswer(0)
    record = reader.record(asset_key)
    if record is None:
        return ContentserverAnswer(404)
    if requested is not None and record.content_digest and requested != record.content_digest:
        location = f"{VERSIONED_PREFIX}/{record.content_digest}/{path.strip('/')}"
        return ContentserverAnswer(301, {"Location": location}, record=record)
    headers = {"Content-Type": record.content_type} if record.content_type else {}
    headers |= {
        "Content-Length": str(record.length),
        "Accept-Ranges": "bytes",
        "Last-Modified": record.last_modified_at.astimezone(UTC).strftime(HTTP_DATE_FORMAT),
    }
    policy = cache_control(record, cache_ttl)
    if policy is not None:
        headers["Cache-Control"] = policy
    with open_file(record) as handle:
        first = handle.read(peek)
    return ContentserverAnswer(200, headers, first, record)
