"""Writes the NumPy-made files the .npy/.npz reader tests compare against. Run with numpy installed:
    python3 make_golden.py
"""
import numpy as np

grid = np.arange(12.0).reshape(3, 4) / 7.0
np.save("numpy_3x4.npy", grid)
np.save("numpy_vector.npy", np.array([np.pi, -0.0, 1e300]))
np.save("numpy_float32.npy", np.arange(3, dtype=np.float32))
np.savez("numpy_savez.npz", t=np.linspace(0.0, 1.0, 3), x=np.linspace(-1.0, 1.0, 4), u=grid)
np.savez_compressed("numpy_savez_compressed.npz", t=np.linspace(0.0, 1.0, 3), x=np.linspace(-1.0, 1.0, 4), u=grid)
