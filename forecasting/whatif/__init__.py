"""What-ifs and targets: scenario files, levers and response curves, objectives, the allocator, the attention and watch lists."""
