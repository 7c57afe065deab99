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
import math
import os
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

__all__ = ["generate_course"]

# Component types and their share of the components, in the order they appear inside a unit.
LEAF_MIX: tuple[tuple[str, float], ...] = (
    ("html", 0.70),
    ("video", 0.08),
    ("problem", 0.20),
    ("discussion", 0.02),
)
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


# --- the outline -----------------------------------------------------------------------------------

# chapters -> subsections -> units -> number of components in the unit
Outline = list[list[list[int]]]


def _outline(blocks: int, seed: int) -> Outline:
    """Sections, subsections and units, with component counts adding up to exactly ``blocks``."""
    scale = blocks / 20_000
    per_unit = min(max(9 * scale**0.15, 2.5), 12.0)
    chapters = min(max(round(20 * scale**0.3), 1), 20)
    shrink = 1.0
    for attempt in range(1000):
        rng = random.Random(f"{seed}:outline:{attempt}")
        per_chapter = (blocks - 1) / chapters
        # f subsections of f units of per_unit components: f * (1 + f * (per_unit + 1)) = per_chapter - 1
        a = per_unit + 1
        fanout = (math.sqrt(1 + 4 * a * max(per_chapter - 1, 0.0)) - 1) / (2 * a) * shrink

        def vary(mean: float, rng: random.Random = rng) -> int:
            return max(1, round(mean * rng.uniform(0.7, 1.3)))

        shape = [[vary(fanout) for _ in range(vary(fanout))] for _ in range(chapters)]
        units = sum(sum(chapter) for chapter in shape)
        leaves = blocks - 1 - chapters - sum(len(chapter) for chapter in shape) - units
        if leaves >= units:
            return _spread(shape, leaves, rng)
        if chapters > 1:
            chapters -= 1
        else:
            shrink *= 0.8
    raise AssertionError("unreachable: one section of one unit always fits")  # pragma: no cover


def _spread(shape: list[list[int]], leaves: int, rng: random.Random) -> Outline:
    """Give every unit at least one component and share the rest unevenly (largest remainder)."""
    weights = [rng.uniform(0.35, 1.65) for chapter in shape for units in chapter for _ in range(units)]
    extra = leaves - len(weights)
    total = sum(weights)
    quotas = [extra * w / total for w in weights]
    counts = [1 + int(q) for q in quotas]
    short = leaves - sum(counts)
    for i in sorted(range(len(quotas)), key=lambda i: (int(quotas[i]) - quotas[i], i))[:short]:
        counts[i] += 1
    it = iter(counts)
    return [[[next(it) for _ in range(units)] for units in chapter] for chapter in shape]


def _leaf_types(leaves: int, rng: random.Random) -> list[str]:
    """Component types in the LEAF_MIX proportions (largest remainder), shuffled."""
    quotas = [(kind, leaves * share) for kind, share in LEAF_MIX]
    counts = {kind: int(q) for kind, q in quotas}
    short = leaves - sum(counts.values())
    for kind, _q in sorted(quotas, key=lambda kq: int(kq[1]) - kq[1])[:short]:
        counts[kind] += 1
    types = [kind for kind, _share in LEAF_MIX for _ in range(counts[kind])]
    rng.shuffle(types)
    return types


# --- word banks -------------------------------------------------------------------------------------

COURSE_TITLES = (
    "Data, Models and Decisions",
    "Foundations of Applied Statistics",
    "Evidence-Based Reasoning with Data",
    "Introduction to Data Science",
)
TOPICS = (
    "Thinking with Data", "Collecting Good Samples", "Describing Distributions", "Probability and Chance",
    "Random Variables", "The Normal Curve", "Sampling Variability", "Confidence Intervals",
    "Testing Hypotheses", "Comparing Two Groups", "Correlation and Causation", "Linear Regression",
    "Multiple Regression", "Classification Basics", "Decision Trees", "Evaluating Models",
    "Time Series", "Designing Experiments", "Bayesian Reasoning", "Ethics, Privacy & Fairness",
    "Visual Storytelling", "Working with Text", "Clustering", "Capstone Project",
)  # fmt: skip
SUBTOPICS = (
    "Key Vocabulary", "A First Example", "Common Pitfalls", "Working in a Spreadsheet",
    "Reading Graphs Critically", "Measuring Spread", "From Question to Data", "Tables and Tidy Data",
    "Simulation by Hand", "Using Software", "Interpreting Results", "Assumptions and Checks",
    "A Case Study from Public Health", "A Case Study from Sports", "Communicating Uncertainty",
    "Outliers and Influential Points", "Choosing the Right Chart", "Estimating with Confidence",
    "Errors and Power", "Putting It Together", "Review and Reflection", "Data Cleaning in Practice",
    "The Role of Randomness", "Models as Simplifications", "When Methods Disagree", "Résumé of the Week",
)  # fmt: skip
UNIT_TITLES = (
    "Why This Matters", "Getting Started", "A Worked Example", "Try It Yourself", "Looking Closer",
    "Checking Your Work", "A Common Mistake", "Variations on the Theme", "Behind the Formula",
    "Real-World Data", "Interpreting the Output", "Summary and Next Steps", "Practice Set",
    "Thinking About Bias", "Choosing a Method", "Reading a Research Paper", "Going Further",
    "Quick Review", "Data in the News", "Asking Better Questions", "Small Samples, Big Claims",
    "The Shape of the Data", "Rules of Thumb", "Edge Cases", "Café Data: A Field Trip",
    "From Sketch to Chart", "Trade-offs", "Lab Walkthrough", "Self-Assessment", "Wrap-Up",
)  # fmt: skip
LEAF_NAMES: dict[str, tuple[str, ...]] = {
    "html": ("Introduction", "Reading: {t}", "Key Ideas", "Worked Example: {t}", "Summary",
             "Before You Begin", "Going Further: {t}", "Notes on {t}", "Text Overview", "Glossary"),
    "problem": ("Check Your Understanding", "Practice Problem {n}", "Quick Check: {t}", "Exercise {n}",
                "Concept Question", "Problem {n}: {t}"),
    "video": ("Video: {t}", "Lecture {n}: {t}", "Demo: {t}", "Interview: {t}", "Video Walkthrough"),
    "discussion": ("Discussion: {t}", "Share Your Thoughts", "Discuss: {t}", "Questions and Answers"),
}  # fmt: skip
SENTENCES = (
    "In this part of the course we look at {t} from a practical angle, starting from questions people ask.",
    "Most of these ideas were first developed to answer questions about crops, medicines and machines.",
    "Before reaching for a formula, sketch the data and say in plain words what you expect to see.",
    "A good summary is short, honest about its limits, and easy for someone else to check.",
    "We will return to {t} several times, each time with a slightly more demanding example.",
    "Notice that the <strong>order of the steps</strong> matters: cleaning data after modelling is a trap.",
    "Software makes the arithmetic painless, but the judgement about what to compute is still yours.",
    "When two methods disagree, that disagreement is itself a finding worth reporting.",
    "Small samples are noisy; a pattern that appears in ten observations often fades away in a thousand.",
    "The examples use real measurements, rounded so that you can follow the calculations by hand.",
    "Keep a notebook of the assumptions you make, because you will need to defend them later.",
    "A café owner in Zürich recorded daily sales for a year; we use her data to illustrate {t}.",
    "The temperature readings were taken at 7 °C intervals, which limits how finely we can resolve changes.",
    "Researchers often report an estimate with a range, such as 12.4 ± 0.8 µg, rather than a single value.",
    "It is tempting to read causation into a correlation — resist until a design supports it.",
    "The so-called naïve approach is not always wrong; sometimes it is exactly the right baseline.",
    "Try to predict the answer before you compute it, then compare: the gap is where learning happens.",
    "We say <em>population</em> for the whole group we study and <em>sample</em> for the part we observe.",
    "If the plot looks surprising, check the units and the scale of the axes before drawing conclusions.",
    "Each week ends with a short assignment; the practice questions along the way are not graded.",
    "Many published findings about {t} turned out to depend on a single unusual data point.",
    "A model is a simplification, and the useful question is whether it is simple in the right ways.",
    "Rounding too early can change a conclusion, so carry a few extra digits through intermediate steps.",
    "Ask who collected the data, how, and why: the answers shape what the numbers can tell you.",
    "Working with a partner is encouraged, but write up your answers in your own words.",
    "Think of the standard error as the typical distance between an estimate and the truth it estimates.",
    "The same dataset can support several honest stories; our job is to say which ones it cannot support.",
    "Historical note: many of these tools were refined in agricultural field trials in the 1920s and 1930s.",
    "Visualising {t} often reveals structure that summary statistics hide completely.",
    "Look for the denominator: a rate without one is a number without meaning.",
    "If you are unsure where to begin, start by listing the variables and the type of each one.",
    "The exercises are designed so that a wrong first attempt still teaches you something useful.",
)
LIST_ITEMS = (
    "State the question in one sentence.", "Identify the population and the sample.",
    "List the variables and their units.", "Plot the raw data before summarising it.",
    "Check for missing or impossible values.", "Choose a method and write down its assumptions.",
    "Compute the estimate and its uncertainty.", "Compare the result with your prediction.",
    "Explain the result to a non-specialist.", "Note what would change your conclusion.",
    "Record the software and version you used.", "Keep a copy of the original, uncleaned data.",
    "Look for a plausible lurking variable.", "Report effect sizes, not only p-values.",
    "Write a one-paragraph summary for the forum.", "Re-run the analysis with one outlier removed.",
)  # fmt: skip
LINKS = (
    ("Open data portal", "https://data.example.org/catalog"),
    ("Course glossary", "https://example.org/glossary"),
    ("Worked notebook", "https://notebooks.example.org/lcbench/week"),
    ("Further reading", "https://library.example.org/reading-list"),
    ("Visualisation gallery", "https://example.org/gallery"),
)
MCQ_BANK = (
    ("Which measure of centre is least affected by a few extreme values?", "The median",
     ("The mean", "The range", "The standard deviation"),
     "The median depends only on the middle of the ordered data, so a few extreme values barely move it."),
    ("Ice-cream sales and drowning incidents rise and fall together. What is the most likely explanation?",
     "Hot weather drives both", ("Ice cream causes drowning", "Drowning causes ice-cream sales",
                                 "The relationship is a coincidence"),
     "Both increase in summer: temperature is a lurking variable that explains the association."),
    ("A survey is posted on a website and anyone can answer. What is the main problem with the results?",
     "Voluntary response bias", ("Too many questions", "Sampling error is zero", "The sample is random"),
     "People who choose to answer tend to feel strongly, so they do not represent the population."),
    ("Which plot is best for showing how one numerical variable is distributed?", "A histogram",
     ("A pie chart", "A scatterplot", "A bar chart of categories"),
     "A histogram shows the shape, centre and spread of a single numerical variable."),
    ("Doubling the sample size roughly does what to the standard error of the mean?",
     "Divides it by about 1.4", ("Halves it", "Doubles it", "Leaves it unchanged"),
     "The standard error scales with 1/√n, and √2 ≈ 1.41."),
    ("What does a 95% confidence interval describe?",
     "A range produced by a method that captures the true value 95% of the time",
     ("The range containing 95% of the data", "A 95% chance the sample mean is inside",
      "The middle 95% of the population"),
     "The confidence is in the procedure: across many samples, 95% of such intervals contain the parameter."),
    ("A correlation coefficient of \N{MINUS SIGN}0.9 indicates…", "A strong negative linear relationship",
     ("A weak relationship", "No relationship", "A strong positive relationship"),
     "The sign gives the direction and the magnitude (close to 1) gives the strength of the linear pattern."),
    ("In a randomised experiment, why are subjects assigned to groups at random?",
     "To balance unknown confounders between groups", ("To make the sample larger",
                                                       "To guarantee significant results",
                                                       "To avoid having to measure anything"),
     "Random assignment makes the groups comparable on average, including on variables nobody measured."),
)  # fmt: skip
OPTION_BANK = (
    ("True or false: a p-value is the probability that the null hypothesis is true.", "False",
     ("True", "False"),
     "A p-value is computed assuming the null hypothesis is true; it is not that hypothesis's probability."),
    ("Points on a scatterplot rise from left to right. The correlation is…", "positive",
     ("positive", "negative", "zero"), "An upward trend means larger x values go with larger y values."),
    ("A variable recording eye colour is…", "categorical", ("numerical", "categorical", "ordinal numeric"),
     "Eye colour names groups; arithmetic on it would be meaningless."),
    ("Removing an outlier far above the others will make the mean…", "decrease",
     ("increase", "decrease", "stay the same"), "The outlier pulled the mean upward; without it, it drops."),
    ("A study that only observes people, without assigning treatments, is…", "observational",
     ("experimental", "observational", "a census"), "No treatment is assigned: an observational study."),
)  # fmt: skip


def _numerical(rng: random.Random) -> tuple[str, str, str, str]:
    """A numerical question: (question, answer, tolerance, explanation)."""
    kind = rng.randrange(4)
    if kind == 0:
        values = [rng.randint(3, 40) for _ in range(5)]
        mean = sum(values) / 5
        question = f"Find the mean of these five measurements: {', '.join(map(str, values))}."
        return question, f"{mean:g}", "0.01", f"Add the values ({sum(values)}) and divide by 5: {mean:g}."
    if kind == 1:
        before, after = rng.randint(40, 200), rng.randint(40, 200)
        change = (after - before) / before * 100
        question = (
            f"Sales went from {before} to {after} units. What is the percentage change? "
            "Give a signed number without the % sign."
        )
        times = "\N{MULTIPLICATION SIGN}"
        return (
            question,
            f"{change:.1f}",
            "0.5",
            f"({after} - {before}) / {before} {times} 100 ≈ {change:.1f}.",
        )
    if kind == 2:
        p, q = rng.choice((0.2, 0.25, 0.3, 0.4, 0.5)), rng.choice((0.1, 0.5, 0.6, 0.75, 0.9))
        question = (
            f"Two independent events have probabilities {p} and {q}. What is the probability both happen?"
        )
        return question, f"{p * q:g}", "0.001", f"For independent events, multiply: {p} x {q} = {p * q:g}."
    mu, sigma = rng.randint(50, 100), rng.randint(4, 15)
    x = mu + sigma * rng.choice((-2, -1, 1, 2, 3))
    z = (x - mu) / sigma
    question = f"Scores have mean {mu} and standard deviation {sigma}. What is the z-score of a score of {x}?"
    return question, f"{z:g}", "0.01", f"z = ({x} \N{MINUS SIGN} {mu}) / {sigma} = {z:g}."


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
        outline = _outline(self.blocks, self.seed)
        types = iter(
            _leaf_types(sum(sum(sum(u) for u in s) for s in outline), random.Random(f"{self.seed}:mix"))
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
            question, answer, tolerance, explanation = _numerical(rng)
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
