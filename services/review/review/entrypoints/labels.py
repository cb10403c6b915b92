"""Words shown from data (statuses, procedures, roles, history kinds), marked for translation."""


def _(text):  # marker only: pybabel extracts these; templates translate at render time
    return text


LABELS = [
    _("received"), _("under_examination"), _("documents_requested"), _("documents_answered"),
    _("decision_proposed"), _("approved"), _("refused"), _("withdrawn"),
    _("coe"), _("change"), _("extension"), _("acquisition"), _("employment_certificate"),
    _("examiner"), _("supervisor"), _("bureau_admin"), _("auditor"),
    _("claimed"), _("assigned"), _("documents_submitted"), _("correction_requested"), _("withdrawal_requested"),
    _("address_mismatch"), _("examination_resumed"), _("proposal_returned"), _("decision_confirmed"),
    _("withdrawal_acknowledged"), _("withdrawal_after_close"), _("ok"), _("due"), _("overdue"),
    _("withdrawal_signature_invalid"), _("invalid"), _("signature"), _("handed_over"),
    # who filed on the applicant's behalf (application.submitted's filer)
    _("legal_representative"), _("relative"), _("employer_staff"), _("licensed_agent"), _("support_organisation"),
    _("supervising_organisation"), _("gyoseishoshi"), _("lawyer"),
]


def translated() -> dict[str, str]:
    """All data words in the request's language, looked up once per page instead of once per row."""
    from flask_babel import gettext

    return {key: gettext(key) for key in LABELS}
