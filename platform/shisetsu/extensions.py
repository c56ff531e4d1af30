"""Extensions, created unbound here and initialised by the app factory."""

from flask_babel import Babel
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from shisetsu.db import Base, TenantSession

db = SQLAlchemy(model_class=Base, session_options={"class_": TenantSession})
csrf = CSRFProtect()
babel = Babel()
