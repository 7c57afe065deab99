"""
The LMS's course-files path, for real: edx-platform's ``static_replace``, ``contentstore()``,
``AssetManager`` and contentserver view (``../shared/platform``, unmodified) over the engine as an
operator configures it in settings/test.py::

    CONTENTSTORE = serve_files_from_learning_core(
        {"ENGINE": "xmodule.contentstore.mongo.MongoContentStore", "DOC_STORE_CONFIG": {...}}
    )

``MongoContentStore`` is the platform's own, on mongomock (no Mongo server anywhere). Courses whose
flag is on are served from their Learning Core files; every other course reaches Mongo, as before.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import mimetypes
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .loader import skip_reason

if reason := skip_reason():
    pytest.skip(reason, allow_module_level=True)

import crum
import mongomock
import mongomock.gridfs
import xmodule.mongo_utils
from bson import ObjectId
from common.djangoapps.static_replace import replace_static_urls
from common.djangoapps.student.models import CourseEnrollment
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from edx_django_utils.cache import RequestCache
from opaque_keys.edx.keys import CourseKey
from opaque_keys.edx.locator import CourseLocator
from openedx.core.djangoapps.contentserver.caching import get_cached_content
from openedx.core.djangoapps.contentserver.views import HTTP_DATE_FORMAT
from xmodule.assetstore import AssetMetadata
from xmodule.assetstore.assetmgr import AssetManager
from xmodule.contentstore import django as contentstore_django
from xmodule.contentstore.content import StaticContent, StaticContentStream
from xmodule.contentstore.django import contentstore
from xmodule.contentstore.mongo import MongoContentStore
from xmodule.exceptions import NotFoundError
from xmodule.modulestore import ModuleStoreEnum
from xmodule.util.sandboxing import get_python_lib_zip

from lc_modulestore.api import ImportResult
from lc_modulestore.contentstore import LearningCoreContentStore
from lc_modulestore.exceptions import ReadOnlyContentStoreError
from lc_modulestore.serving.flags import DEFAULT_FLAG_NAME, set_course_override
from lc_modulestore.storage.backend import LearningCorePersistenceBackend
from lc_modulestore.storage.course_files import course_file_index

from ..conftest import DEMO_COURSE, DEMO_COURSE_KEY, needs_demo_course
from ..olx_cases import write_export
from .harness import CourseFilesInSplit, comparable_asset, make_lc_store, make_split, outcome

pytestmark = pytest.mark.django_db

Importer = Callable[..., ImportResult]

# A small export of our own: a page linking its files, a locked file, a code library, a transcript.
KEY = CourseKey.from_string("course-v1:LCFiles+F1+2026")
# A course Learning Core does not hold at all: the site's Mongo contentstore keeps its files.
MONGO_KEY = CourseKey.from_string("course-v1:MongoOnly+M1+2026")
PRIVATE = "private, no-cache, no-store"
ASCENDING, DESCENDING = ModuleStoreEnum.SortOrder.ascending, ModuleStoreEnum.SortOrder.descending
LOGO = bytes(range(256)) * 40  # 10 kB: small enough for the contentserver's cache
SECRET = b"the answer is 42\n"
TRANSCRIPT = b"1\n00:00:00,000 --> 00:00:02,000\nHello, Learning Core.\n"
PAGE = (
    '<html display_name="Files"><![CDATA[<img src="/static/logo.png"/>'
    ' <a href="/static/secret.txt">secret</a> <a href="/static/intro-en.srt">transcript</a>]]></html>'
)


def python_lib() -> bytes:
    """The same bytes every time (a fixed date in the archive), so a re-import leaves it unchanged."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        member = zipfile.ZipInfo("course_lib.py", date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(member, "def grade(answer):\n    return answer == 42\n")
    return buffer.getvalue()


def write_small_export(root: Path, *, logo: bytes = LOGO, logo_locked: bool = False) -> Path:
    policy = {
        "secret.txt": {"contentType": "text/plain", "displayname": "secret.txt", "locked": True},
        "logo.png": {"contentType": "image/png", "displayname": "logo.png", "locked": logo_locked},
    }
    return write_export(
        root,
        {
            "course.xml": '<course url_name="2026" org="LCFiles" course="F1"/>',
            "course/2026.xml": '<course display_name="Files"><chapter url_name="c1"/></course>',
            "chapter/c1.xml": '<chapter><sequential url_name="s1"/></chapter>',
            "sequential/s1.xml": '<sequential><vertical url_name="v1"/></sequential>',
            "vertical/v1.xml": '<vertical><html url_name="h1"/></vertical>',
            "html/h1.xml": PAGE,
            "policies/assets.json": json.dumps(policy),
            "static/logo.png": logo,
            "static/secret.txt": SECRET,
            "static/python_lib.zip": python_lib(),
            "static/intro-en.srt": TRANSCRIPT,
        },
    )


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def platform_contentstore(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """
    ``contentstore()`` built afresh from settings.CONTENTSTORE, its Mongo fallback on mongomock
    (GridFS included: a new, empty database for each test), and the view's cache empty.
    """
    mongomock.gridfs.enable_gridfs_integration()
    monkeypatch.setattr(xmodule.mongo_utils, "pymongo", mongomock)
    _fresh()
    yield
    _fresh()


def _fresh() -> None:
    contentstore_django._CONTENTSTORE.clear()
    caches["default"].clear()
    RequestCache.clear_all_namespaces()
    crum.set_current_request(None)
    CourseEnrollment.reset()


@pytest.fixture
def demo(imported: dict[str, CourseKey]) -> CourseKey:
    """The demo course (imported once per session with its 124 files), its flag on."""
    if "demo" not in imported:
        needs_demo_course()
    assert str(imported["demo"]) == DEMO_COURSE_KEY
    set_course_override(DEFAULT_FLAG_NAME, imported["demo"], True)
    return imported["demo"]


@pytest.fixture
def small(tmp_path: Path, run_import: Importer) -> Path:
    """Our small export, imported and compiled, its flag on; the export's folder, to edit and re-import."""
    export = write_small_export(tmp_path / "export")
    run_import(export)
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    return export


# --- helpers ----------------------------------------------------------------------------------------------


def rewrite(text: str, course_key: CourseKey) -> dict[str, str]:
    """The platform's rewriting of every ``/static/`` link of ``text``: original → URL."""
    pairs: list[tuple[str, str]] = []
    replace_static_urls(text, course_id=course_key, static_paths_out=pairs)
    return dict(pairs)


def url_of(name: str, course_key: CourseKey) -> str:
    return rewrite(f'<img src="/static/{name}"/>', course_key)[f"/static/{name}"]


def unversioned(name: str, course_key: CourseKey) -> str:
    return f"/{course_key.make_asset_key('asset', name)}".replace("block@", "block/", 1)


def versioned(digest: str, name: str, course_key: CourseKey) -> str:
    return f"/assets/courseware/v1/{digest}{unversioned(name, course_key)}"


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def html_bodies(course_key: CourseKey) -> list[str]:
    """The ``data`` of every html block of the course's published structure, from the compiled definitions."""
    backend = LearningCorePersistenceBackend()
    index = backend.get_course_index(course_key)
    assert index is not None
    structure = backend.cached_structure(index["versions"]["published-branch"])
    ids = [block.definition for key, block in structure["blocks"].items() if key.type == "html"]
    return [definition["fields"].get("data", "") for definition in backend.get_definitions(ids)]


def published_structure(course_key: CourseKey) -> str:
    RequestCache.clear_all_namespaces()
    index = LearningCorePersistenceBackend().get_course_index(course_key)
    assert index is not None
    return str(index["versions"]["published-branch"])


def in_view_cache(name: str, course_key: CourseKey) -> bool:
    return get_cached_content(course_key.make_asset_key("asset", name)) is not None


def user(username: str, **extra: Any) -> Any:
    return get_user_model().objects.create_user(username=username, password="x", **extra)


def client_for(person: Any = None) -> Client:
    client = Client()
    if person is not None:
        client.force_login(person)
    return client


# --- 1. the demo course: every /static/ link of its pages, rewritten and served -----------------------------


def test_every_static_link_of_the_demo_course_is_rewritten_and_served(demo: CourseKey) -> None:
    static = DEMO_COURSE / "static"
    # The file each link names, as the platform names it (StaticContent.compute_location).
    on_disk = {
        StaticContent.compute_location(demo, path.relative_to(static).as_posix()).block_id: path
        for path in static.rglob("*")
        if path.is_file()
    }
    policy = json.loads((DEMO_COURSE / "policies" / "assets.json").read_text())
    assert len(on_disk) == 124
    bodies = html_bodies(demo)
    links = rewrite("\n".join(bodies), demo)
    assert len(bodies) > 200 and len(links) == 54
    rewritten = replace_static_urls("\n".join(bodies), course_id=demo)
    assert "/static/" not in rewritten and rewritten.count("/assets/courseware/v1/") > 54  # some twice
    index = course_file_index(demo)
    anonymous = Client()
    versioned_count = 0
    for link, url in sorted(links.items()):
        name = link.removeprefix("/static/")
        data = on_disk[name].read_bytes()
        if name.endswith(".html"):
            # AssetExcludedExtensionsConfig's default ("html"): the platform never versions these.
            assert url == unversioned(name, demo), link
        else:
            assert url == versioned(md5(data), name, demo), link
            versioned_count += 1
        response = anonymous.get(url)
        assert response.status_code == 200, (link, url)
        assert response.content == data, link
        assert response["Content-Length"] == str(len(data))
        expected_type = policy.get(name, {}).get("contentType") or mimetypes.guess_type(name)[0]
        assert response["Content-Type"] == expected_type, link
        last_modified = index[name].last_modified_at.strftime(HTTP_DATE_FORMAT)
        assert response["Last-Modified"] == last_modified
        assert "private" not in response.get("Cache-Control", "")
    assert versioned_count == 53


def test_the_view_answers_ranges_conditionals_stale_digests_and_missing_files(demo: CourseKey) -> None:
    anonymous = Client()
    small_png = (DEMO_COURSE / "static" / "Abacus.png").read_bytes()
    video = (DEMO_COURSE / "static" / "Jellyfish_720_10s_2MB.mp4").read_bytes()
    assert len(small_png) < 1048576 < len(video)  # cached by the view / streamed from storage each time
    for name, data in (("Abacus.png", small_png), ("Jellyfish_720_10s_2MB.mp4", video)):
        url = url_of(name, demo)
        assert url == versioned(md5(data), name, demo)
        for ask in (anonymous.get(url), anonymous.get(url)):  # the second one from the view's cache, if small
            assert ask.status_code == 200 and ask.content == data
        size = len(data)
        middle = anonymous.get(url, HTTP_RANGE="bytes=8-15")
        assert middle.status_code == 206 and middle.content == data[8:16]
        assert middle["Content-Range"] == f"bytes 8-15/{size}" and middle["Content-Length"] == "8"
        tail = anonymous.get(url, HTTP_RANGE="bytes=-4")
        assert tail.status_code == 206 and tail.content == data[-4:]
        assert tail["Content-Range"] == f"bytes {size - 4}-{size - 1}/{size}"
        far = anonymous.get(url, HTTP_RANGE="bytes=5000-6000,7000-8000")  # several ranges: the whole file
        assert far.status_code == 200 and far.content == data
        assert anonymous.get(url, HTTP_RANGE=f"bytes={size}-").status_code == 416
        whole = anonymous.get(url)
        not_modified = anonymous.get(url, HTTP_IF_MODIFIED_SINCE=whole["Last-Modified"])
        assert not_modified.status_code == 304 and not_modified.content == b""
        stale = anonymous.get(versioned("0" * 32, name, demo))
        # To the right digest, in the view's own spelling of the key (block@).
        assert stale.status_code == 301 and stale["Location"] == url.replace("block/", "block@")
        assert anonymous.get(stale["Location"]).content == data
        for plain in (unversioned(name, demo), unversioned(name, demo).replace("block/", "block@")):
            assert anonymous.get(plain).status_code == 200
    assert anonymous.get(versioned("0" * 32, "no_such_file.png", demo)).status_code == 404
    assert anonymous.get(unversioned("no_such_file.png", demo)).status_code == 404
    # The link of a file the course lacks stays a link, unversioned (and 404s): the platform's rule.
    assert url_of("no_such_file.png", demo) == unversioned("no_such_file.png", demo)


# --- locked files, the code library, transcripts ---------------------------------------------------------


def test_a_locked_file_is_served_to_enrolled_learners_only_and_never_cached(small: Path) -> None:
    secret = url_of("secret.txt", KEY)
    assert secret == versioned(md5(SECRET), "secret.txt", KEY)
    learner, stranger = user("learner"), user("stranger")
    CourseEnrollment.enroll(learner, KEY)
    assert client_for().get(secret).status_code == 403
    assert client_for(stranger).get(secret).status_code == 403
    served = client_for(learner).get(secret)
    assert served.status_code == 200 and served.content == SECRET
    assert served["Cache-Control"] == PRIVATE and served["Content-Type"] == "text/plain"
    CourseEnrollment.unenroll(learner, KEY)
    assert client_for(learner).get(secret).status_code == 403
    # An unlocked file of the same course: anyone, cacheable.
    logo = client_for().get(url_of("logo.png", KEY))
    assert logo.status_code == 200 and logo.content == LOGO and "Cache-Control" not in logo


def test_python_lib_zip_loads_for_the_sandbox_and_is_not_served_to_learners(small: Path) -> None:
    data = get_python_lib_zip(contentstore, KEY)
    assert data == python_lib()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("course_lib.py").startswith(b"def grade(answer)")
    # The contentserver's own rule for the code library: Studio users (here: staff) only, uncached.
    library = url_of("python_lib.zip", KEY)
    learner = user("learner")
    CourseEnrollment.enroll(learner, KEY)
    assert client_for(learner).get(library).status_code == 403
    staff = client_for(user("staff", is_staff=True)).get(library)
    assert staff.status_code == 200 and staff.content == data and staff["Cache-Control"] == PRIVATE
    # A course Learning Core does not serve has no library in the (empty) Mongo contentstore.
    assert get_python_lib_zip(contentstore, MONGO_KEY) is None


def test_a_transcript_loads_through_the_contentstore(small: Path) -> None:
    # The platform reads a transcript with xmodule.video_block.transcripts_utils (Transcript.asset:
    # contentstore().find(StaticContent.compute_location(course, filename))). Neither that module nor
    # a contentstore reader in xblocks_contrib 1.0.7 (its video block asks the platform's
    # video_config service) is importable here, so the same find goes through AssetManager.find.
    location = StaticContent.compute_location(KEY, "intro-en.srt")
    transcript = AssetManager.find(location)
    assert transcript.data == TRANSCRIPT and transcript.name == "intro-en.srt"
    assert transcript.content_digest == md5(TRANSCRIPT) and transcript.length == len(TRANSCRIPT)
    stream = AssetManager.find(location, as_stream=True)
    assert isinstance(stream, StaticContentStream)
    assert b"".join(stream.stream_data_in_range(3, 8)) == TRANSCRIPT[3:9]
    stream.close()
    with pytest.raises(NotFoundError):
        AssetManager.find(StaticContent.compute_location(KEY, "intro-fr.srt"))
    assert AssetManager.find(StaticContent.compute_location(KEY, "intro-fr.srt"), False) is None


# --- 3. courses Learning Core does not serve: the site's MongoContentStore, as before ----------------------


def test_courses_not_served_from_learning_core_reach_mongo(small: Path) -> None:
    set_course_override(DEFAULT_FLAG_NAME, KEY, False)  # in Learning Core, but its flag is off
    engine = contentstore()
    assert isinstance(engine, LearningCoreContentStore)
    for course_key in (KEY, MONGO_KEY):
        logo = StaticContent.compute_location(course_key, "logo.png")
        with pytest.raises(NotFoundError):  # Learning Core's copy is not what Mongo holds
            AssetManager.find(logo)
        assert url_of("logo.png", course_key) == unversioned("logo.png", course_key)
        data = f"mongo's own file of {course_key}".encode()
        location = StaticContent.compute_location(course_key, "handout.txt")
        contentstore().save(StaticContent(location, "handout.txt", "text/plain", data))
        # In GridFS, where the platform's own MongoContentStore put it.
        assert isinstance(engine.fallback, MongoContentStore)
        assert engine.fallback.fs_files.find_one({"_id": str(location)})["custom_md5"] == md5(data)
        assert AssetManager.find(location).data == data
        url = url_of("handout.txt", course_key)
        assert url == versioned(md5(data), "handout.txt", course_key)
        served = Client().get(url)
        assert served.status_code == 200 and served.content == data
        assert served["Content-Type"] == "text/plain"
        assert Client().get(url, HTTP_RANGE="bytes=0-4").content == data[:5]
        contentstore().delete(location)
        assert AssetManager.find(location, throw_on_not_found=False) is None
    # The flag back on: Learning Core's files again, Mongo's no longer consulted for the course.
    set_course_override(DEFAULT_FLAG_NAME, KEY, True)
    assert AssetManager.find(StaticContent.compute_location(KEY, "logo.png")).data == LOGO


def test_writes_to_a_learning_core_course_are_refused_and_others_reach_mongo(small: Path) -> None:
    engine = contentstore()
    location = StaticContent.compute_location(KEY, "logo.png")
    new = StaticContent(location, "logo.png", "image/png", b"overwritten")
    writes: list[Callable[[], Any]] = [
        lambda: engine.save(new),
        lambda: engine.delete(location),
        lambda: engine.set_attr(location, "locked", True),
        lambda: engine.set_attrs(location, {"locked": True}),
        lambda: engine.delete_all_course_assets(KEY),
        lambda: engine.copy_all_course_assets(KEY, MONGO_KEY),
        lambda: engine.copy_all_course_assets(MONGO_KEY, KEY),
    ]
    for write in writes:
        with pytest.raises(ReadOnlyContentStoreError):
            write()
    assert engine.find(location).data == LOGO
    assert engine.fallback.fs_files.count_documents({}) == 0  # nothing reached Mongo
    # The other course's writes do.
    other = StaticContent.compute_location(MONGO_KEY, "logo.png")
    engine.save(StaticContent(other, "logo.png", "image/png", b"mongo logo"))
    engine.set_attr(other, "locked", True)
    assert engine.get_attr(other, "locked") is True
    assert engine.fallback.get_attrs(other)["locked"] is True
    engine.delete_all_course_assets(MONGO_KEY)
    assert engine.fallback.fs_files.count_documents({}) == 0


# --- 4. documents and asset metadata, as the platform's stores return them ---------------------------------


def kind(value: Any) -> type:
    """A value's type as the documents are compared (bson's Int64 is an int, a SON is a dict)."""
    if isinstance(value, bool):
        return bool
    if isinstance(value, int):
        return int
    if isinstance(value, dict):
        return dict
    return type(value)


def test_file_documents_have_mongo_contentstores_keys_and_types(small: Path) -> None:
    engine = contentstore()
    names = ["intro-en.srt", "logo.png", "python_lib.zip", "secret.txt"]
    index = course_file_index(KEY)
    assert sorted(index) == names
    # The same files saved by the platform's MongoContentStore (mongomock), under the same keys.
    for name in names:
        record = engine.find(StaticContent.compute_location(KEY, name))
        engine.fallback.save(
            StaticContent(
                record.location, record.name, record.content_type, record.data,
                import_path=record.import_path, locked=record.locked,
            )
        )  # fmt: skip
    ours, our_count = engine.get_all_content_for_course(KEY)
    theirs, their_count = engine.fallback.get_all_content_for_course(KEY)
    assert our_count == their_count == 4
    theirs_by_key = {document["asset_key"]: document for document in theirs}
    assert [str(document["asset_key"]) for document in ours] == sorted(map(str, theirs_by_key))
    stable = ("_id", "filename", "displayname", "contentType", "content_son", "thumbnail_location",
              "import_path", "locked", "length", "chunkSize", "custom_md5", "asset_key")  # fmt: skip
    for document in ours:
        mongo = theirs_by_key[document["asset_key"]]
        key = document["asset_key"]
        for mine, other in ((document, mongo), (engine.get_attrs(key), engine.fallback.get_attrs(key))):
            assert set(mine) == set(other), set(mine) ^ set(other)
            assert {k: kind(v) for k, v in mine.items()} == {k: kind(v) for k, v in other.items()}
            assert {k: mine[k] for k in stable if k in mine} == {k: other[k] for k in stable if k in other}
            assert mine["uploadDate"].tzinfo is not None and other["uploadDate"].tzinfo is not None
    assert engine.get_attr(StaticContent.compute_location(KEY, "secret.txt"), "locked") is True
    with pytest.raises(NotFoundError):
        engine.get_attrs(StaticContent.compute_location(KEY, "missing.png"))
    # Paging and sorting as Studio's Files page asks.
    page, count = engine.get_all_content_for_course(KEY, start=1, maxresults=2, sort=[("displayname", -1)])
    assert count == 4 and [d["displayname"] for d in page] == ["python_lib.zip", "logo.png"]
    locked, count = engine.get_all_content_for_course(KEY, filter_params={"locked": True})
    assert count == 1 and locked[0]["displayname"] == "secret.txt"


def test_asset_metadata_is_the_platforms_through_the_modulestore(small: Path, fs_root: Path) -> None:
    store = make_lc_store(fs_root)
    index = course_file_index(KEY)
    logo = KEY.make_asset_key("asset", "logo.png")
    metadata = store.find_asset_metadata(logo)
    assert isinstance(metadata, AssetMetadata)
    assert metadata.asset_id.for_branch(None) == logo  # mapped to the branch, as Split maps it
    assert metadata.contenttype == "image/png" and metadata.locked is False
    assert metadata.curr_version == md5(LOGO) and metadata.fields["displayname"] == "logo.png"
    assert metadata.edited_on == index["logo.png"].last_modified_at
    assert store.find_asset_metadata(KEY.make_asset_key("asset", "missing.png")) is None
    everything = store.get_all_asset_metadata(KEY, None)
    assert all(isinstance(item, AssetMetadata) for item in everything)
    assert [item.asset_id.block_id for item in everything] == sorted(index)
    assert [item.locked for item in everything] == [False, False, False, True]
    assert [item.asset_id.block_id for item in store.get_all_asset_metadata(KEY, "asset", 1, 2)] == [
        "logo.png",
        "python_lib.zip",
    ]


def test_asset_metadata_pages_and_sorts_as_split_does(demo: CourseKey, fs_root: Path) -> None:
    """
    Split's own ``get_all_asset_metadata``/``find_asset_metadata`` over the same metadata (see
    ``CourseFilesInSplit``) is the reference for ours: names in code point order (Split's
    SortedAssetList), upload dates, descending, paging, types.
    """
    ours, split = make_lc_store(fs_root), make_split(fs_root, backend=CourseFilesInSplit)
    names = [item.asset_id.block_id for item in ours.get_all_asset_metadata(demo, "asset")]
    assert len(names) == 124 and names == sorted(names)  # code points: "Brain_target_sm" < "Brain_yellow"
    sorts = [None, ("displayname", ASCENDING), ("uploadDate", ASCENDING), ("uploadDate", DESCENDING),
             ("displayname", DESCENDING)]  # fmt: skip
    for asset_type, start, maxresults, sort in itertools.product(
        [None, "asset", "video"], [0, 3, 123, 130], [-1, 0, 1, 10], sorts
    ):
        args = (demo, asset_type, start, maxresults, sort)
        mine = [comparable_asset(item) for item in ours.get_all_asset_metadata(*args)]
        assert mine == [comparable_asset(item) for item in split.get_all_asset_metadata(*args)], args
    for name in ("Abacus.png", "open_source_guy.svg", "missing.png"):
        asset_key = demo.make_asset_key("asset", name)
        mine_one = comparable_asset(ours.find_asset_metadata(asset_key))
        assert mine_one == comparable_asset(split.find_asset_metadata(asset_key)), name


def test_asset_metadata_keys_carry_the_branch_as_splits_do(small: Path, fs_root: Path) -> None:
    ours, split = make_lc_store(fs_root), make_split(fs_root, backend=CourseFilesInSplit)
    logo = KEY.make_asset_key("asset", "logo.png")
    assert split.find_asset_metadata(logo).asset_id.branch == "published-branch"
    assert ours.find_asset_metadata(logo).asset_id == split.find_asset_metadata(logo).asset_id
    assert [m.asset_id for m in ours.get_all_asset_metadata(KEY, "asset")] == [
        m.asset_id for m in split.get_all_asset_metadata(KEY, "asset")
    ]


def test_asset_metadata_raises_as_split_where_it_finds_no_course(small: Path, fs_root: Path) -> None:
    ours, split = make_lc_store(fs_root), make_split(fs_root, backend=CourseFilesInSplit)
    head = CourseLocator(version_guid=ObjectId(published_structure(KEY)))
    for key in (KEY.for_branch("no-such-branch"), head, CourseLocator("lcfiles", "f1", "2026")):
        assert ours.serves(key), key
        theirs = outcome(split.get_all_asset_metadata, key, None)
        assert theirs[0] == "raised", key
        assert outcome(ours.get_all_asset_metadata, key, None) == theirs, key


# --- 5. publishing files: new digests, redirects, the view's cache dropped, no new structure -------------


def test_a_republished_file_gets_a_new_digest_and_the_old_url_redirects(
    small: Path, run_import: Importer
) -> None:
    structure = published_structure(KEY)
    old_url = url_of("logo.png", KEY)
    assert old_url == versioned(md5(LOGO), "logo.png", KEY)
    anonymous = Client()
    assert anonymous.get(old_url).content == LOGO
    assert anonymous.get(unversioned("logo.png", KEY)).content == LOGO
    assert in_view_cache("logo.png", KEY)  # the view keeps files under 1 MB

    new_logo = LOGO[::-1] + b"v2"
    result = run_import(write_small_export(small, logo=new_logo))
    assert result.files.changed == 1 and result.files.unchanged == 3

    assert not in_view_cache("logo.png", KEY)  # dropped when the import committed
    assert published_structure(KEY) == structure  # files only: no new structure compiled
    new_url = url_of("logo.png", KEY)
    assert new_url == versioned(md5(new_logo), "logo.png", KEY) != old_url
    moved = anonymous.get(old_url)
    assert moved.status_code == 301 and moved["Location"] == new_url.replace("block/", "block@")
    assert anonymous.get(moved["Location"]).content == new_logo
    served = anonymous.get(new_url)
    assert served.status_code == 200 and served.content == new_logo
    assert served["Content-Length"] == str(len(new_logo))
    assert anonymous.get(unversioned("logo.png", KEY)).content == new_logo
    # The page's links, rewritten again, name the new version.
    [page] = html_bodies(KEY)
    assert rewrite(page, KEY)["/static/logo.png"] == new_url


def test_locking_a_file_takes_effect_at_once(small: Path, run_import: Importer) -> None:
    structure = published_structure(KEY)
    anonymous = Client()
    url = url_of("logo.png", KEY)
    assert anonymous.get(url).status_code == 200
    assert in_view_cache("logo.png", KEY)

    result = run_import(write_small_export(small, logo_locked=True))
    assert result.files.changed == 1

    assert not in_view_cache("logo.png", KEY)
    assert published_structure(KEY) == structure
    assert url_of("logo.png", KEY) == url  # same bytes, same digest
    refused = anonymous.get(url)
    assert refused.status_code == 403
    learner = user("learner")
    CourseEnrollment.enroll(learner, KEY)
    allowed = client_for(learner).get(url)
    assert allowed.status_code == 200 and allowed["Cache-Control"] == PRIVATE


# --- 6. one query per course per request ------------------------------------------------------------------


def file_index_queries(context: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in context.captured_queries if "lc_modulestore_coursefile" in query["sql"]]


def test_finds_read_each_course_file_index_once_per_request(demo: CourseKey, small: Path) -> None:
    names = sorted(course_file_index(demo))[:20]
    assert len(names) == 20
    crum.set_current_request(RequestFactory().get("/"))
    RequestCache.clear_all_namespaces()
    try:
        with CaptureQueriesContext(connection) as first:
            for name in names:
                found = contentstore().find(demo.make_asset_key("asset", name), as_stream=True)
                assert found.content_digest is not None
                found.close()
        assert len(file_index_queries(first)) == 1
        # The serving decision (flag, course index) is request-cached too: three queries in all.
        assert len(first.captured_queries) <= 3, [q["sql"][:80] for q in first.captured_queries]
        with CaptureQueriesContext(connection) as again:
            for name in names:
                contentstore().find(demo.make_asset_key("asset", name)).data  # noqa: B018
            for name in ("logo.png", "secret.txt", "intro-en.srt"):
                contentstore().find(KEY.make_asset_key("asset", name)).data  # noqa: B018
        assert len(file_index_queries(again)) == 1  # the other course's, once
        # The whole demo course's pages rewritten in one request: one read of its files.
        RequestCache.clear_all_namespaces()
        with CaptureQueriesContext(connection) as page:
            links = rewrite("\n".join(html_bodies(demo)), demo)
        assert len(links) == 54 and len(file_index_queries(page)) == 1
    finally:
        crum.set_current_request(None)
        RequestCache.clear_all_namespaces()


# --- the configuration ----------------------------------------------------------------------------------


def test_contentstore_is_configured_as_an_operator_does(settings: Any) -> None:
    assert settings.CONTENTSTORE["ENGINE"] == "lc_modulestore.contentstore.LearningCoreContentStore"
    options = settings.CONTENTSTORE["DOC_STORE_CONFIG"]
    assert options["fallback_engine"] == "xmodule.contentstore.mongo.MongoContentStore"
    engine = contentstore()
    assert isinstance(engine, LearningCoreContentStore) and engine is contentstore()
    assert engine._fallback is None  # built on first use only
    assert not engine.serves(KEY) and not engine.serves(MONGO_KEY)
    assert isinstance(engine.fallback, MongoContentStore)
    assert engine.fallback.fs_files.database.name == options["db"]
