"""The data contract's vocabulary and the files of a data folder: reading cells and sheets, snapshots, effort, the district, validation, the folder in memory."""
