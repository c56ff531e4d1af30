"""Extensions, created unbound here and initialised by the app factory."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from shisetsu.db import Base, TenantSession

db = SQLAlchemy(model_class=Base, session_options={"class_": TenantSession})
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Limits are declared on the views that need them (sign-in); no global default limit.
limiter = Limiter(key_func=get_remote_address, default_limits=[])
