from . import (
    test_access,
    test_bant,
    test_handoff,
    test_lifecycle,
    test_performance,
    test_tour,
)
