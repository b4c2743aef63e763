from . import crm_lead
from . import crm_alignment_scoreboard
from . import crm_alignment_goal
from . import crm_alignment_goal_line
from . import crm_alignment_dashboard
from . import crm_team
from . import utm_campaign
from . import digest_digest
