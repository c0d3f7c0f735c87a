"""Writes the MATLAB v5 files the .mat reader tests compare against (SciPy's savemat, as Deguchi & Asai 2023's data came).
Run with Debian's python3-scipy:  /usr/bin/python3 make_mat.py
"""
import numpy as np
from scipy.io import savemat

x = np.linspace(-1.0, 1.0, 4)
t = np.linspace(0.0, 1.0, 3)
usol = np.array([[np.sin(np.pi * xi) * np.exp(-tj) for tj in t] for xi in x])  # (x, t), as Deguchi & Asai 2023's burgers.mat
savemat("scipy_grid.mat", {"x": x.reshape(-1, 1), "t": t.reshape(1, -1), "usol": usol})
savemat("scipy_grid_compressed.mat", {"x": x.reshape(-1, 1), "t": t.reshape(1, -1), "usol": usol}, do_compression=True)
savemat("scipy_mixed.mat", {
    "x": np.array([0.5, 0.25, 0.125]),
    "u": np.array([1, -2, 3], dtype=np.int16),
    "v": np.array([1.5, 2.5, 3.5], dtype=np.float32),
    "label": "skipped text",
    "cells": np.array([[1.0]], dtype=object),
})
