"""Every page blueprint, registered explicitly (the API registers its own in shisetsu.api)."""

from flask import Flask

from shisetsu.accounts.views import bp as accounts_bp
from shisetsu.audit.views import bp as audit_bp
from shisetsu.board.views import bp as board_bp
from shisetsu.booking.manage_views import bp as booking_manage_bp
from shisetsu.booking.views import bp as booking_bp
from shisetsu.closures.views import bp as closures_bp
from shisetsu.errors import register_error_handlers
from shisetsu.exports.print_views import bp as prints_bp
from shisetsu.exports.views import bp as exports_bp
from shisetsu.facilities.views import bp as facilities_bp
from shisetsu.groups.manage_views import bp as groups_manage_bp
from shisetsu.groups.views import bp as groups_bp
from shisetsu.guide.views import bp as guide_bp
from shisetsu.guide.views import manage_bp as guide_manage_bp
from shisetsu.lottery.manage_views import bp as lottery_manage_bp
from shisetsu.lottery.views import bp as lottery_bp
from shisetsu.mypage.views import bp as mypage_bp
from shisetsu.notify.views import init_app as init_dev_mail
from shisetsu.portal.views import bp as portal_bp
from shisetsu.retention.manage_views import bp as retention_manage_bp
from shisetsu.retention.views import bp as retention_account_bp
from shisetsu.slots.manage_views import bp as slots_manage_bp
from shisetsu.slots.views import bp as slots_bp
from shisetsu.staff.views import bp as staff_bp
from shisetsu.ward.audit_views import bp as ward_audit_bp
from shisetsu.ward.exports_views import bp as ward_exports_bp
from shisetsu.ward.lottery_views import bp as ward_lottery_bp
from shisetsu.ward.privacy_views import bp as ward_privacy_bp
from shisetsu.ward.views import bp as ward_bp


def register_blueprints(app: Flask) -> None:
    """Register the page blueprints and the shared error pages."""
    app.register_blueprint(portal_bp)
    app.register_blueprint(facilities_bp)
    app.register_blueprint(guide_bp)
    app.register_blueprint(guide_manage_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(mypage_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(groups_bp)
    app.register_blueprint(groups_manage_bp)
    app.register_blueprint(ward_bp)
    app.register_blueprint(slots_bp)
    app.register_blueprint(slots_manage_bp)
    app.register_blueprint(closures_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(booking_manage_bp)
    app.register_blueprint(board_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(ward_audit_bp)
    app.register_blueprint(lottery_bp)
    app.register_blueprint(lottery_manage_bp)
    app.register_blueprint(ward_lottery_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(prints_bp)
    app.register_blueprint(ward_exports_bp)
    app.register_blueprint(retention_account_bp)
    app.register_blueprint(retention_manage_bp)
    app.register_blueprint(ward_privacy_bp)
    init_dev_mail(app)  # development/testing only
    register_error_handlers(app)
