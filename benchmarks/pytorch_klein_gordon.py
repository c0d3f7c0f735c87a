#!/usr/bin/env python3
"""PyTorch peer for `pinn bench train klein-gordon`: the same training iteration, done the usual PyTorch way.

Klein-Gordon (Wang et al. 2021 section 3.2): u_tt - u_xx + u^3 = f on t, x in [0, 1], exact u = x cos(5 pi t) + (x t)^3.
Per iteration: fresh uniform batches of 128 points for the residual, the initial condition (u and u_t at t = 0)
and each boundary (x = 0, x = 1); a 5x50 tanh network (MLP for M1/M2, modified MLP for M3/M4) on standardized
inputs; input derivatives by torch.autograd.grad with create_graph (double backward); Adam (lr 1e-3, smooth decay
0.9 per 1,000 steps). M2/M4 also compute per-term gradients every 10 steps for learning-rate annealing, as the
seed's code does. Prints one JSON line per thread count.

Usage: python3 pytorch_klein_gordon.py --model M1 --threads 1 2 --warmup 100 --measure 500
"""
import argparse, json, math, time
import torch
from pytorch_peers import ModifiedMlp

def exact(t, x):
    return x * torch.cos(5 * math.pi * t) + (x * t) ** 3

def source(t, x):
    u = exact(t, x)
    u_tt = -25 * math.pi ** 2 * x * torch.cos(5 * math.pi * t) + 6 * x ** 3 * t
    u_xx = 6 * x * t ** 3
    return u_tt - u_xx + u ** 3

class Mlp(torch.nn.Module):
    def __init__(self, depth=5, width=50):
        super().__init__()
        dims = [2] + [width] * depth
        self.hidden = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.out = torch.nn.Linear(width, 1)
        for layer in list(self.hidden) + [self.out]:
            torch.nn.init.xavier_normal_(layer.weight); torch.nn.init.zeros_(layer.bias)
    def forward(self, x):
        for layer in self.hidden:
            x = torch.tanh(layer(x))
        return self.out(x)

# The modified MLP is pytorch_peers.py's (one definition for every peer).
MEAN = torch.tensor([0.5, 0.5]); STD = torch.tensor([1 / math.sqrt(12)] * 2)

def losses(net, batch):
    tx = torch.rand(batch, 2, requires_grad=True)
    u = net((tx - MEAN) / STD)
    du = torch.autograd.grad(u.sum(), tx, create_graph=True)[0]
    u_t, u_x = du[:, :1], du[:, 1:]
    u_tt = torch.autograd.grad(u_t.sum(), tx, create_graph=True)[0][:, :1]
    u_xx = torch.autograd.grad(u_x.sum(), tx, create_graph=True)[0][:, 1:]
    t, x = tx[:, :1], tx[:, 1:]
    residual = u_tt - u_xx + u ** 3 - source(t, x)
    x0 = torch.rand(batch, 1)
    ic_pts = torch.cat([torch.zeros_like(x0), x0], 1).requires_grad_(True)
    u0 = net((ic_pts - MEAN) / STD)
    u0_t = torch.autograd.grad(u0.sum(), ic_pts, create_graph=True)[0][:, :1]
    ic = ((u0 - exact(ic_pts[:, :1], ic_pts[:, 1:])) ** 2).mean() + (u0_t ** 2).mean()
    bc = 0
    for side in (0.0, 1.0):
        tb = torch.rand(batch, 1)
        pts = torch.cat([tb, torch.full_like(tb, side)], 1)
        bc = bc + ((net((pts - MEAN) / STD) - exact(pts[:, :1], pts[:, 1:])) ** 2).mean()
    return (residual ** 2).mean(), ic, bc

def run(model, threads, warmup, measure, batch, device="cpu"):
    global MEAN, STD
    torch.set_num_threads(threads)
    if device != "cpu":   # torch >= 2.0 only; the CPU default needs no call (Debian ships 1.13)
        torch.set_default_device(device)   # network and samples on the device
    MEAN, STD = MEAN.to(device), STD.to(device)
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    torch.manual_seed(1)
    net = (ModifiedMlp(2, 1, 5, 50) if model in ("M3", "M4") else Mlp())
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.9 ** (s / 1000))
    annealing = model in ("M2", "M4")
    lam = [1.0, 1.0]
    weights = [p for n, p in net.named_parameters() if n.endswith("weight") and not n.startswith(("u.", "v."))]
    def step(i):
        l_r, l_ic, l_bc = losses(net, batch)
        if annealing and i % 10 == 0:
            g_r = torch.autograd.grad(l_r, weights, retain_graph=True)
            max_r = max(g.abs().max() for g in g_r)
            for k, term in enumerate((l_ic, l_bc)):
                g = torch.autograd.grad(term, weights, retain_graph=True)
                mean = sum(x.abs().mean() for x in g) / len(g)
                lam[k] = 0.9 * lam[k] + 0.1 * float(max_r / (lam[k] * mean))
        loss = l_r + lam[0] * l_ic + lam[1] * l_bc
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step(); sched.step()
    for i in range(warmup):
        step(i)
    sync()
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in range(warmup, warmup + measure):
        step(i)
    sync()
    ms = 1000 * (time.perf_counter() - start) / measure
    cpu_ms = 1000 * (time.process_time() - cpu_start) / measure
    return {"peer": "pytorch", "torch": torch.__version__, "blas": torch.__config__.show().count("openblas") > 0 and "openblas" or "other",
            "model": model, "device": device, "threads": threads, "batch": batch,
            "variant": "method" if annealing else "plain", "ms_per_iter": round(ms, 4), "cpu_ms_per_iter": round(cpu_ms, 4)}

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="M1", choices=["M1", "M2", "M3", "M4"])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--measure", type=int, default=500)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    a = ap.parse_args()
    for n in a.threads:
        print(json.dumps(run(a.model, n, a.warmup, a.measure, a.batch, a.device)), flush=True)
