"""
A small course as the reader hands it to the importer, built by hand: a shared html block (one
``OlxBlock`` under three verticals of two sequentials set differently), problems straight in a
sequential and a video straight in a chapter (rule L3), to test the DAG from import to serving.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from compile.olx_export import OlxBlock, OlxCourse

KEY = "course-v1:LCDag+DAG1+2026"
SHARED = ("html", "shared_html")


def container(tag: str, block_id: str, children: list[OlxBlock], **attributes: str) -> OlxBlock:
    return OlxBlock(tag, block_id, etree.Element(tag, attributes), f"{tag}/{block_id}.xml:1", children)


def component(block_id: str, xml: str) -> OlxBlock:
    element = etree.fromstring(xml)
    return OlxBlock(str(element.tag), block_id, element, f"{element.tag}/{block_id}.xml:1")


def problem(block_id: str, text: str = "2+2?") -> OlxBlock:
    return component(block_id, f'<problem display_name="{block_id}"><p>{text}</p></problem>')


def course(root: OlxBlock, **changes: Any) -> OlxCourse:
    return OlxCourse("LCDag", "DAG1", "2026", root, [], {}, [], **changes)


def dag_course(
    shared_body: str = "<p>shared</p>", direct: tuple[str, ...] = ("direct1", "direct2")
) -> OlxCourse:
    """
    course > ch1 > s1 (graded, due 2030) > [v1 > [shared, p1], direct..., v2 > [shared]]
           > ch2 > [video Welcome, s2 (not graded, due 2031) > v3 > [shared, p3]]
    """
    shared = component(SHARED[1], f'<html display_name="Shared"><![CDATA[{shared_body}]]></html>')
    s1 = container(
        "sequential",
        "s1",
        [
            container("vertical", "v1", [shared, problem("p1")]),
            *(problem(name) for name in direct),
            container("vertical", "v2", [shared]),
        ],
        display_name="Graded",
        graded="true",
        due="2030-01-01T00:00:00Z",
        format="Homework",
    )
    s2 = container(
        "sequential",
        "s2",
        [container("vertical", "v3", [shared, problem("p3")])],
        display_name="Practice",
        graded="false",
        due="2031-06-01T00:00:00Z",
    )
    welcome = component("Welcome", '<video display_name="Welcome" youtube_id_1_0="abc"/>')
    root = container(
        "course",
        "course",
        [
            container("chapter", "ch1", [s1], display_name="One"),
            container("chapter", "ch2", [welcome, s2], display_name="Two"),
        ],
        display_name="DAG course",
    )
    return course(root)
