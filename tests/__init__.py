from . import test_access
from . import test_bant
from . import test_handoff
from . import test_lifecycle
from . import test_performance
from . import test_recycle
from . import test_sla
from . import test_tour
