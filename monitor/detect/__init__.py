"""Detection: correlate identities across SCIM traffic, IdP audit records and app activity.

In: classified `ScimEvent`s, normalized `IdpEvent`s and `ActivityRecord`s, each handled inside
the transaction that commits its batch. Out: rows in the store (SP resources, IdP people and
links, deprovisions, findings) that the report, the API and the metrics read.
Rules: the detection contract (deprovision requested/confirmed, findings). State lives in the
store, never in growing in-memory maps. May not import collectors, alerts or the app.
"""
