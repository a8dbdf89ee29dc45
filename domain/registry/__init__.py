"""The registries: agencies, officers and certificates, entities, the inspection list,
penalty-exemption lists and the patrol grid."""
