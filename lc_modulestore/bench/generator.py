# Over 400 lines: one template writer per block type, so the layout of the export reads in one place.
"""
Synthetic but realistic Studio OLX course exports, for benchmarks: ``generate_course(target, blocks)``.

The export has the shape and file layout of a real Studio export: ``course.xml`` pointing at
``course/<run>.xml``, pointer tags down to ``chapter/``, ``sequential/`` and ``vertical/`` files, html
components as ``html/<id>.xml`` plus an ``html/<id>.html`` body, problems (capa) in ``problem/``, videos
in ``video/``, discussions inline in their unit, ``policies/<run>/`` and a few ``about/`` pages.

The outline scales with the requested size: on average about 20 sections x 10 subsections x 10 units
x 9 components at 20,000 blocks, 10 x 5 x 5 x 7 at 2,000, 8 x 4 x 4 x 6 at 1,000, 5 x 2 x 3 x 5 at 200,
each count varying around its mean as in real courses (units hold 1 to ~15 components, text first).
The last subsection of each section is graded homework with a due date (the last one is the final
exam), every third section has a graded lab, and each section after the first opens on a start date.
Components are mostly html (70%), then problems (20%), videos (8%) and discussions (2%). The block
total (course, sections, subsections, units and components; the ``about/`` pages are not counted) is
exactly the one asked for.

Output depends only on the arguments: url_names are 32-hex digests of (seed, position), and all text
comes from a ``random.Random`` seeded with ``seed``. No clock, no unseeded randomness, so the same call
always writes byte-identical files. XML is written from string templates (fast: 20,000 blocks in
a couple of seconds), with every value escaped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

from .outline import LEAF_MIX, leaf_types, plan_outline
from .word_banks import (
    COURSE_TITLES,
    LEAF_NAMES,
    LINKS,
    LIST_ITEMS,
    MCQ_BANK,
    OPTION_BANK,
    SENTENCES,
    SUBTOPICS,
    TOPICS,
    UNIT_TITLES,
    numerical_question,
)

__all__ = ["generate_course"]

CONTAINERS = ("course", "chapter", "sequential", "vertical")
MIN_BLOCKS = 5  # course, one section, one subsection, one unit, one component
_KEY_PART = re.compile(r"^[A-Za-z0-9_.~\-]+$")
_COURSE_START = datetime(2026, 1, 5, tzinfo=UTC)
_ATTR_NAMES = {"xblock_family": "xblock-family"}  # attribute names that are not Python identifiers
_HTML_BYTES = (2100, 3900)  # target size of an html body; pieces stop before 4,000 characters
_PROBLEM_BYTES = (1100, 2700)


@dataclass(frozen=True, slots=True)
class GeneratedCourse:
    """Where the export is, the course key to import it as, and how many blocks of each type it has."""

    path: Path
    course_key: str
    counts: dict[str, int]

    @property
    def blocks(self) -> int:
        return sum(self.counts.values())


def generate_course(
    target: Path,
    blocks: int,
    *,
    seed: int = 0,
    org: str = "LCBench",
    course: str = "Synthetic",
    run: str | None = None,
) -> GeneratedCourse:
    """
    Write a Studio-style OLX export of exactly ``blocks`` blocks into the folder ``target``.

    ``target`` is created if needed and must be empty; it becomes the export root (``course.xml``
    is directly inside). ``run`` defaults to ``N<blocks>``.
    """
    if isinstance(blocks, bool) or not isinstance(blocks, int) or blocks < MIN_BLOCKS:
        raise ValueError(f"blocks must be an integer >= {MIN_BLOCKS}, not {blocks!r}")
    run = run if run is not None else f"N{blocks}"
    for name, value in (("org", org), ("course", course), ("run", run)):
        if not _KEY_PART.match(value):
            raise ValueError(f"{name} {value!r} must be letters, digits, '_', '.', '~' or '-'")
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} exists and is not an empty folder")
    return _Writer(target, blocks, seed, org, course, run).write()


# --- writing ----------------------------------------------------------------------------------------


def _date(days: int, hour: int = 0, minute: int = 0) -> str:
    return (_COURSE_START + timedelta(days=days, hours=hour, minutes=minute)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _attrs(**values: str) -> str:
    """XML attributes in the given order, escaped; ``xblock_family`` becomes ``xblock-family``."""
    return "".join(f' {_ATTR_NAMES.get(name, name)}="{escape(value)}"' for name, value in values.items())


class _Writer:
    def __init__(self, root: Path, blocks: int, seed: int, org: str, course: str, run: str) -> None:
        self.root = root
        self.prefix = f"{root}{os.sep}"
        self.blocks = blocks
        self.seed = seed
        self.org = org
        self.course = course
        self.run = run
        self.rng = random.Random(f"{seed}:content")
        self.counts = dict.fromkeys((*CONTAINERS, *(kind for kind, _share in LEAF_MIX)), 0)
        self.title = COURSE_TITLES[seed % len(COURSE_TITLES)]

    # --- helpers ---------------------------------------------------------------------------------

    def uid(self, position: str) -> str:
        return hashlib.blake2b(f"{self.seed}/{position}".encode(), digest_size=16).hexdigest()

    def put(self, rel: str, text: str) -> None:
        # os.open on a plain string path: writing ~30,000 small files is most of the run time.
        fd = os.open(f"{self.prefix}{rel}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            data = memoryview(text.encode("utf-8"))
            while data:
                data = data[os.write(fd, data) :]
        finally:
            os.close(fd)

    def sentence(self, topic: str) -> str:
        return self.rng.choice(SENTENCES).replace("{t}", topic)

    def paragraph(self, topic: str, low: int = 2, high: int = 5) -> str:
        sentences = " ".join(self.rng.sample(SENTENCES, self.rng.randint(low, high)))
        return f"<p>{sentences.replace('{t}', topic)}</p>"

    def leaf_name(self, kind: str, topic: str, number: int) -> str:
        return self.rng.choice(LEAF_NAMES[kind]).format(t=topic, n=number)

    # --- the course ------------------------------------------------------------------------------

    def write(self) -> GeneratedCourse:
        outline = plan_outline(self.blocks, self.seed)
        types = iter(
            leaf_types(sum(sum(sum(u) for u in s) for s in outline), random.Random(f"{self.seed}:mix"))
        )
        self.root.mkdir(parents=True, exist_ok=True)
        for folder in ("course", "chapter", "sequential", "vertical", "html", "problem", "video", "about",
                       f"policies/{self.run}"):  # fmt: skip
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        topics = [TOPICS[(i + self.seed) % len(TOPICS)] for i in range(len(outline))]
        weeks = len(outline)
        chapter_ids = [self.chapter(c, seqs, topics[c], types, weeks) for c, seqs in enumerate(outline)]
        self.course_files(chapter_ids, topics, weeks)
        self.counts["course"] = 1
        key = f"course-v1:{self.org}+{self.course}+{self.run}"
        return GeneratedCourse(self.root, key, dict(self.counts))

    def course_files(self, chapter_ids: list[str], topics: list[str], weeks: int) -> None:
        org, number, run = self.org, self.course, self.run
        self.put("course.xml", f"<course{_attrs(url_name=run, org=org, course=number)}/>\n")
        start, end = _date(0), _date(7 * weeks + 14, 23, 59)
        advanced = ["drag-and-drop-v2", "poll", "survey"]
        course_attrs = _attrs(
            advanced_modules=json.dumps(advanced),
            display_name=self.title,
            end=end,
            language="en",
            self_paced="false",
            start=start,
        )
        pointers = "".join(f'  <chapter url_name="{cid}"/>\n' for cid in chapter_ids)
        wiki = escape(f"{org}.{number}.{run}")
        self.put(
            f"course/{run}.xml", f'<course{course_attrs}>\n{pointers}  <wiki slug="{wiki}"/>\n</course>\n'
        )

        tabs = [
            {"course_staff_only": False, "name": "Home", "type": "course_info"},
            {"course_staff_only": False, "name": "Course", "type": "courseware"},
            {"course_staff_only": False, "name": "Textbooks", "type": "textbooks"},
            {"course_staff_only": False, "name": "Discussion", "type": "discussion"},
            {"course_staff_only": False, "is_hidden": True, "name": "Wiki", "type": "wiki"},
            {"course_staff_only": False, "name": "Progress", "type": "progress"},
        ]
        topics_policy = {"General": {"id": "course"}}
        for week, topic in enumerate(topics, start=1):
            topics_policy[f"Week {week}: {topic}"] = {"id": self.uid(f"topic/{week}")}
        policy = {
            f"course/{run}": {
                "advanced_modules": advanced,
                "allow_anonymous": True,
                "allow_anonymous_to_peers": False,
                "cert_html_view_enabled": True,
                "discussion_blackouts": [],
                "discussion_topics": topics_policy,
                "display_name": self.title,
                "end": end,
                "language": "en",
                "self_paced": False,
                "start": start,
                "tabs": tabs,
            }
        }
        self.put(
            f"policies/{run}/policy.json", json.dumps(policy, indent=4, sort_keys=True, ensure_ascii=False)
        )
        grading = {
            "GRADER": [
                {"drop_count": 2, "min_count": max(weeks - 1, 1), "short_label": "HW", "type": "Homework",
                 "weight": 0.5},
                {"drop_count": 1, "min_count": max(weeks // 3, 1), "short_label": "Lab", "type": "Lab",
                 "weight": 0.2},
                {"drop_count": 0, "min_count": 1, "short_label": "Final", "type": "Final Exam",
                 "weight": 0.3},
            ],
            "GRADE_CUTOFFS": {"Pass": 0.5},
        }  # fmt: skip
        self.put(f"policies/{run}/grading_policy.json", json.dumps(grading, indent=4, sort_keys=True))
        self.put("policies/assets.json", "{}")

        outline_items = "".join(f"<li>Week {w}: {escape(t)}</li>\n" for w, t in enumerate(topics, start=1))
        overview = (
            '<section class="about">\n  <h2>About This Course</h2>\n'
            f"  {self.paragraph(escape(self.title), 3, 5)}\n  <ul>\n{outline_items}  </ul>\n</section>\n"
            '<section class="prerequisites">\n  <h2>Requirements</h2>\n'
            "  <p>High-school algebra. No programming experience needed — we introduce every tool.</p>\n"
            "</section>\n"
        )
        self.put("about/overview.html", overview)
        self.put(
            "about/short_description.html", f"{escape(self.title)}: {weeks} weeks of practical statistics."
        )
        self.put("about/effort.html", "4:30")

    def chapter(
        self, c: int, sequentials: list[list[int]], topic: str, types: Iterator[str], weeks: int
    ) -> str:
        week = c + 1
        subtopics = self.rng.sample(SUBTOPICS, min(len(sequentials), len(SUBTOPICS)))
        sequential_ids = []
        for s, units in enumerate(sequentials):
            sid = self.uid(f"sequential/{c}/{s}")
            attrs: dict[str, str] = {}
            subtopic = subtopics[s % len(subtopics)]
            if len(sequentials) > 1 and s == len(sequentials) - 1:
                if week == weeks and weeks >= 3:
                    name, fmt, due = "Final Exam", "Final Exam", _date(7 * week + 13, 23, 59)
                else:
                    name, fmt, due = f"Homework {week}: {topic}", "Homework", _date(7 * week + 6, 23, 59)
                attrs = {"format": fmt, "graded": "true", "due": due, "show_correctness": "always"}
            elif len(sequentials) > 2 and s == len(sequentials) - 2 and week % 3 == 0:
                name = f"Lab {week // 3}: {subtopic}"
                attrs = {"format": "Lab", "graded": "true", "due": _date(7 * week + 13, 23, 59)}
            else:
                name = f"Lesson {week}.{s + 1}: {subtopic}"
            if s == 0 and c > 0:
                attrs["start"] = _date(7 * c)  # weekly release
            vertical_ids = [self.vertical(c, s, v, count, topic, types) for v, count in enumerate(units)]
            body = "".join(f'  <vertical url_name="{vid}"/>\n' for vid in vertical_ids)
            self.put(
                f"sequential/{sid}.xml",
                f"<sequential{_attrs(display_name=name, **attrs)}>\n{body}</sequential>\n",
            )
            self.counts["sequential"] += 1
            sequential_ids.append(sid)
        cid = self.uid(f"chapter/{c}")
        body = "".join(f'  <sequential url_name="{sid}"/>\n' for sid in sequential_ids)
        self.put(
            f"chapter/{cid}.xml",
            f"<chapter{_attrs(display_name=f'Week {week}: {topic}')}>\n{body}</chapter>\n",
        )
        self.counts["chapter"] += 1
        return cid

    def vertical(self, c: int, s: int, v: int, count: int, topic: str, types: Iterator[str]) -> str:
        vid = self.uid(f"vertical/{c}/{s}/{v}")
        title = f"Unit {c + 1}.{s + 1}.{v + 1}: {self.rng.choice(UNIT_TITLES)}"
        kinds = sorted((next(types) for _ in range(count)), key=_LEAF_ORDER.__getitem__)
        children = []
        for i, kind in enumerate(kinds):
            lid = self.uid(f"leaf/{c}/{s}/{v}/{i}")
            name = self.leaf_name(kind, topic, i + 1)
            children.append(self.leaf_writers[kind](lid, name, topic, c + 1, title))
            self.counts[kind] += 1
        self.put(
            f"vertical/{vid}.xml", f"<vertical{_attrs(display_name=title)}>\n{''.join(children)}</vertical>\n"
        )
        self.counts["vertical"] += 1
        return vid

    # --- components: each writes its files and returns its line in the unit -----------------------

    @property
    def leaf_writers(self) -> dict[str, Callable[[str, str, str, int, str], str]]:
        return {
            "html": self.html,
            "problem": self.problem,
            "video": self.video,
            "discussion": self.discussion,
        }

    def html(self, lid: str, name: str, topic: str, week: int, unit: str) -> str:
        rng = self.rng
        t = escape(topic)
        parts = [f"<h3>{escape(name)}</h3>", self.paragraph(t)]
        size = sum(len(p) + 1 for p in parts)
        target = rng.randint(*_HTML_BYTES)
        while size < target:
            roll = rng.random()
            if roll < 0.55:
                piece = self.paragraph(t)
            elif roll < 0.75:
                tag = "ol" if roll < 0.6 else "ul"
                items = "".join(
                    f"  <li>{escape(item)}</li>\n" for item in rng.sample(LIST_ITEMS, rng.randint(3, 5))
                )
                piece = f"<{tag}>\n{items}</{tag}>"
            elif roll < 0.9:
                label, url = rng.choice(LINKS)
                piece = (f'<p>For more background, see the <a href="{url}/{week}" target="_blank" '
                         f'rel="noopener">{label}</a>. {self.sentence(t)}</p>')  # fmt: skip
            else:
                piece = f"<h4>{escape(rng.choice(UNIT_TITLES))}</h4>\n{self.paragraph(t, 1, 3)}"
            if size + len(piece) > 3950:
                break
            parts.append(piece)
            size += len(piece) + 1
        self.put(f"html/{lid}.xml", f"<html{_attrs(filename=lid, display_name=name, editor='visual')}/>\n")
        self.put(f"html/{lid}.html", "\n".join(parts) + "\n")
        return f'  <html url_name="{lid}"/>\n'

    def problem(self, lid: str, name: str, topic: str, week: int, unit: str) -> str:
        rng = self.rng
        kinds = ["mcq", "numerical", "option"]
        first = rng.choices(kinds, weights=(5, 3, 2))[0]
        responses = [self.response(first)] + (
            [self.response(rng.choice(kinds))] if rng.random() < 0.25 else []
        )
        attrs = _attrs(
            display_name=name,
            markdown="null",
            max_attempts=rng.choice(("1", "2", "2", "3", "5")),
            weight=rng.choice(("1.0", "1.0", "2.0", "0.5")),
            showanswer=rng.choice(("finished", "finished", "attempted", "past_due", "always")),
            rerandomize="per_student" if first == "numerical" and rng.random() < 0.3 else "never",
        )
        size = len(attrs) + sum(len(r) for r in responses) + 24
        target = rng.randint(*_PROBLEM_BYTES)
        context = [self.paragraph(escape(topic), 1, 3)]
        size += len(context[0]) + 3
        while size < target:
            piece = self.paragraph(escape(topic), 1, 3)
            if size + len(piece) > 2950:
                break
            context.append(piece)
            size += len(piece) + 3
        text = "\n  ".join(context)
        self.put(f"problem/{lid}.xml", f"<problem{attrs}>\n  {text}\n{''.join(responses)}</problem>\n")
        return f'  <problem url_name="{lid}"/>\n'

    def response(self, kind: str) -> str:
        rng = self.rng
        if kind == "mcq":
            question, correct, wrong, explanation = rng.choice(MCQ_BANK)
            marked = [(correct, "true"), *((w, "false") for w in wrong)]
            rng.shuffle(marked)
            choices = "".join(
                f'      <choice correct="{ok}">{escape(text)}</choice>\n' for text, ok in marked
            )
            inner = (f"    <description>Select the best answer.</description>\n"
                     f'    <choicegroup type="MultipleChoice">\n{choices}    </choicegroup>\n')  # fmt: skip
            open_tag, close_tag = "<multiplechoiceresponse>", "</multiplechoiceresponse>"
        elif kind == "option":
            question, correct, labels, explanation = rng.choice(OPTION_BANK)
            options = "".join(
                f'      <option correct="{"True" if text == correct else "False"}">{escape(text)}</option>\n'
                for text in labels
            )
            inner = f"    <optioninput>\n{options}    </optioninput>\n"
            open_tag, close_tag = "<optionresponse>", "</optionresponse>"
        else:
            question, answer, tolerance, explanation = numerical_question(rng)
            inner = (f'    <responseparam type="tolerance" default="{tolerance}"/>\n'
                     "    <formulaequationinput/>\n")  # fmt: skip
            open_tag, close_tag = f'<numericalresponse answer="{escape(answer)}">', "</numericalresponse>"
        return (
            f"  {open_tag}\n    <label>{escape(question)}</label>\n{inner}"
            '    <solution>\n      <div class="detailed-solution">\n        <p>Explanation</p>\n'
            f"        <p>{escape(explanation)}</p>\n      </div>\n    </solution>\n  {close_tag}\n"
        )

    def video(self, lid: str, name: str, topic: str, week: int, unit: str) -> str:
        rng = self.rng
        digest = hashlib.blake2b(f"{self.seed}/youtube/{lid}".encode(), digest_size=9).digest()
        youtube = base64.urlsafe_b64encode(digest).decode()[:11]
        source = f"https://media.example.com/{self.org.lower()}/{self.course.lower()}/{lid}.mp4"
        languages = ["en", *(["es"] if rng.random() < 0.3 else []), *(["fr"] if rng.random() < 0.1 else [])]
        transcripts = {language: f"{lid}-{language}.srt" for language in languages}
        minutes = rng.randint(2, 14)
        attrs = _attrs(
            url_name=lid,
            display_name=name,
            youtube=f"1.00:{youtube}",
            youtube_id_1_0=youtube,
            sub="",
            edx_video_id="",
            html5_sources=json.dumps([source]),
            transcripts=json.dumps(transcripts),
            download_track="true",
            download_video=rng.choice(("true", "false")),
            start_time="00:00:00",
            end_time=f"00:{minutes:02d}:{rng.randint(0, 59):02d}",
            show_captions="true",
        )
        tracks = "".join(
            f'  <transcript language="{lang}" src="{file}"/>\n' for lang, file in transcripts.items()
        )
        self.put(
            f"video/{lid}.xml", f'<video{attrs}>\n  <source src="{escape(source)}"/>\n{tracks}</video>\n'
        )
        return f'  <video url_name="{lid}"/>\n'

    def discussion(self, lid: str, name: str, topic: str, week: int, unit: str) -> str:
        attrs = _attrs(
            url_name=lid,
            xblock_family="xblock.v1",
            display_name=name,
            discussion_category=f"Week {week}: {topic}",
            discussion_target=name,
        )
        return f"  <discussion{attrs}/>\n"


_LEAF_ORDER = {kind: order for order, (kind, _share) in enumerate(LEAF_MIX)}
