"""What planners see: the chart style, charts, tables, the brief, slides, the meeting report and the live explorer."""
