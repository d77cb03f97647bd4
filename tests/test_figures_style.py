"""One colour, marker and name per method in figures and demos (l0l1.style)."""

from l0l1 import demos, style
from l0l1.figures import draw
from l0l1.methods import registry


def test_demos_and_figures_share_one_colour_per_method():
    for m in registry.METHODS:
        assert demos.COLORS[m] == draw.style(m)["color"] == style.color(m)
        assert demos.LABELS[m] == draw.NAMES.get(m) == registry.METHODS[m].label
    first = style.methods()[: len(style.PALETTE)]
    assert len({style.color(m) for m in first}) == len(first)


def test_an_unregistered_method_gets_a_style_and_its_own_name():
    st = style.style("not_a_method")
    assert st["color"] in style.PALETTE and st["marker"] in style.MARKERS
    assert style.NAMES["not_a_method"] == style.NAMES.get("not_a_method") == "not_a_method"


def test_no_two_methods_share_colour_and_marker():
    """The registry outgrew the palette (17 methods, 7 colours): the marker tells them apart."""
    pairs = [tuple(style.style(m).values()) for m in style.methods()]
    assert len(style.methods()) > len(style.PALETTE)
    assert len(set(pairs)) == len(pairs)
