"""Work in the field that is not an inspection: area patrols (区域巡查)."""
