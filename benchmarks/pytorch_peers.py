#!/usr/bin/env python3
"""PyTorch peers for `pinn bench train` on the large-batch problems: the same training iteration, written the way
PyTorch users write it (input derivatives by torch.autograd.grad with create_graph, per-term parameter gradients by
extra autograd.grad calls every tau = 10 steps for the adaptive weights, Adam).

  allen-cahn  DN: 5x128 tanh MLP, inputs scaled to [-1, 1]; residual u_t - 1e-4 u_xx - 5u + 5u^3 on a batch of 4,096
              drawn each step from a pool of 20,000; IC u(0,x) = x^2 cos(pi x) on 512 points (adaptive weight);
              periodic u and u_x at x = -1, 1 on 200 points (weight 1).
  burgers     DN: 9x20 MLP; u_t + u u_x - (0.01/pi) u_xx on 10,000 fixed points; IC -sin(pi x) on 100; u = 0 on 200
              points of x = -1, 1.
  poisson-2d  DN: 5x50 MLP; u_xx + u_yy - q on 2,500 fixed points, q from u = cos(4 pi x) sin(4 pi y); Dirichlet data on
              400 boundary points.
  cavity      M4: 5x50 modified MLP, outputs psi and p, u = psi_y, v = -psi_x; two momentum residuals (third derivatives
              of psi) on fresh batches of 128; u and v on 128 fresh points per wall; annealing (Wang et al. 2021 statistic).
DN: lambda_i <- 0.99 lambda_i + 0.01 ||grad L_r||_2 / ||grad L_i||_2 over all parameters (Deguchi & Asai 2023).
Prints one JSON line per thread count.

Usage: python3 pytorch_peers.py --problem burgers --threads 1 2 --seconds 8
       python3 pytorch_peers.py --problem allen-cahn --device cuda --threads 1   (GPU: every tensor on the device,
       the clock read after torch.cuda.synchronize)
"""
import argparse, json, math, time
import torch

def mlp(inputs, outputs, depth, width):
    dims = [inputs] + [width] * depth
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [torch.nn.Linear(a, b), torch.nn.Tanh()]
    layers.append(torch.nn.Linear(width, outputs))
    net = torch.nn.Sequential(*layers)
    for m in net:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_normal_(m.weight); torch.nn.init.zeros_(m.bias)
    return net

class ModifiedMlp(torch.nn.Module):
    """Wang et al. 2021 eqs. 2.33-2.37: U, V encoders; H1 = tanh(X W + b); Z = tanh(H W + b); H = (1 - Z) U + Z V."""
    def __init__(self, inputs, outputs, depth, width):
        super().__init__()
        self.u = torch.nn.Linear(inputs, width); self.v = torch.nn.Linear(inputs, width)
        dims = [inputs] + [width] * depth
        self.hidden = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.out = torch.nn.Linear(width, outputs)
        for layer in [self.u, self.v] + list(self.hidden) + [self.out]:
            torch.nn.init.xavier_normal_(layer.weight); torch.nn.init.zeros_(layer.bias)
    def forward(self, x):
        u = torch.tanh(self.u(x)); v = torch.tanh(self.v(x))
        h = torch.tanh(self.hidden[0](x))
        for layer in self.hidden[1:]:
            z = torch.tanh(layer(h))
            h = u + z * (v - u)
        return self.out(h)

def d(y, x):
    return torch.autograd.grad(y.sum(), x, create_graph=True)[0]

def unit(x, lo, hi):
    return 2 * (x - lo) / (hi - lo) - 1

class AllenCahn:
    def __init__(self):
        self.net = mlp(2, 1, 5, 128)
        self.pool = torch.rand(20000, 2) * torch.tensor([1.0, 2.0]) + torch.tensor([0.0, -1.0])
        x0 = torch.rand(512, 1) * 2 - 1
        self.ic_pts, self.ic_val = torch.cat([torch.zeros_like(x0), x0], 1), x0 ** 2 * torch.cos(math.pi * x0)
        self.bc_t = torch.rand(200, 1)
        self.lo, self.hi = torch.tensor([0.0, -1.0]), torch.tensor([1.0, 1.0])
    def u(self, p):
        return self.net(unit(p, self.lo, self.hi))
    def losses(self):
        p = self.pool[torch.randint(0, 20000, (4096,))].requires_grad_(True)
        u = self.u(p); g = d(u, p); u_t, u_x = g[:, :1], g[:, 1:]
        u_xx = d(u_x, p)[:, 1:]
        r = u_t - 1e-4 * u_xx - 5 * u + 5 * u ** 3
        ic = ((self.u(self.ic_pts) - self.ic_val) ** 2).mean()
        left = torch.cat([self.bc_t, -torch.ones_like(self.bc_t)], 1).requires_grad_(True)
        right = torch.cat([self.bc_t, torch.ones_like(self.bc_t)], 1).requires_grad_(True)
        ul, ur = self.u(left), self.u(right)
        bc = ((ul - ur) ** 2).mean() + ((d(ul, left)[:, 1:] - d(ur, right)[:, 1:]) ** 2).mean()
        return (r ** 2).mean(), [ic], [bc]   # residual, adaptive terms, fixed-weight terms

class Burgers:
    def __init__(self):
        self.net = mlp(2, 1, 9, 20)
        self.lo, self.hi = torch.tensor([0.0, -1.0]), torch.tensor([1.0, 1.0])
        self.pts = (torch.rand(10000, 2) * torch.tensor([1.0, 2.0]) + torch.tensor([0.0, -1.0])).requires_grad_(True)
        x0 = torch.rand(100, 1) * 2 - 1
        self.ic_pts, self.ic_val = torch.cat([torch.zeros_like(x0), x0], 1), -torch.sin(math.pi * x0)
        tb = torch.rand(200, 1)
        self.bc_pts = torch.cat([tb, torch.where(torch.rand(200, 1) < 0.5, -1.0, 1.0)], 1)
    def u(self, p):
        return self.net(unit(p, self.lo, self.hi))
    def losses(self):
        p = self.pts
        u = self.u(p); g = d(u, p); u_t, u_x = g[:, :1], g[:, 1:]
        u_xx = d(u_x, p)[:, 1:]
        r = u_t + u * u_x - (0.01 / math.pi) * u_xx
        ic = ((self.u(self.ic_pts) - self.ic_val) ** 2).mean()
        bc = (self.u(self.bc_pts) ** 2).mean()
        return (r ** 2).mean(), [ic, bc], []

class Poisson2D:
    W = 4 * math.pi
    def __init__(self):
        self.net = mlp(2, 1, 5, 50)
        self.lo, self.hi = torch.tensor([0.0, 0.0]), torch.tensor([1.0, 1.0])
        self.pts = torch.rand(2500, 2).requires_grad_(True)
        x, y = self.pts[:, :1].detach(), self.pts[:, 1:].detach()
        self.q = -2 * self.W ** 2 * torch.cos(self.W * x) * torch.sin(self.W * y)
        s = torch.rand(400, 1); side = torch.randint(0, 4, (400, 1))
        bx = torch.where(side == 0, 0.0, torch.where(side == 1, 1.0, s)); by = torch.where(side == 2, 0.0, torch.where(side == 3, 1.0, s))
        self.bc_pts = torch.cat([bx, by], 1)
        self.bc_val = torch.cos(self.W * bx) * torch.sin(self.W * by)
    def losses(self):
        p = self.pts
        u = self.net(unit(p, self.lo, self.hi)); g = d(u, p)
        lap = d(g[:, :1], p)[:, :1] + d(g[:, 1:], p)[:, 1:]
        bc = ((self.net(unit(self.bc_pts, self.lo, self.hi)) - self.bc_val) ** 2).mean()
        return ((lap - self.q) ** 2).mean(), [bc], []

class Cavity:
    MEAN, STD = torch.tensor([0.5, 0.5]), torch.tensor([1 / math.sqrt(12)] * 2)
    def __init__(self):
        self.net = ModifiedMlp(2, 2, 5, 50)
    def fields(self, p):
        out = self.net((p - self.MEAN) / self.STD)
        return out[:, :1], out[:, 1:]
    def losses(self):
        p = torch.rand(128, 2).requires_grad_(True)
        psi, pr = self.fields(p)
        g = d(psi, p); psi_x, psi_y = g[:, :1], g[:, 1:]
        gx = d(psi_x, p); psi_xx, psi_xy = gx[:, :1], gx[:, 1:]
        psi_yy = d(psi_y, p)[:, 1:]
        gxx = d(psi_xx, p); psi_xxx, psi_xxy = gxx[:, :1], gxx[:, 1:]
        gyy = d(psi_yy, p); psi_xyy, psi_yyy = gyy[:, :1], gyy[:, 1:]
        gp = d(pr, p)
        u, v, nu = psi_y, -psi_x, 0.01
        mx = u * psi_xy + v * psi_yy + gp[:, :1] - nu * (psi_xxy + psi_yyy)
        my = -(u * psi_xx) - v * psi_xy + gp[:, 1:] + nu * (psi_xxx + psi_xyy)
        bc_u = 0; bc_v = 0
        for axis, value, lid in ((1, 1.0, 1.0), (1, 0.0, 0.0), (0, 0.0, 0.0), (0, 1.0, 0.0)):
            s = torch.rand(128, 1)
            w = (torch.cat([s, torch.full_like(s, value)], 1) if axis == 1 else torch.cat([torch.full_like(s, value), s], 1)).requires_grad_(True)
            psi_w, _ = self.fields(w); gw = d(psi_w, w)
            bc_u = bc_u + ((gw[:, 1:] - lid) ** 2).mean(); bc_v = bc_v + (gw[:, :1] ** 2).mean()
        return (mx ** 2).mean() + (my ** 2).mean(), [bc_u, bc_v], []

PROBLEMS = {"allen-cahn": (AllenCahn, "DN"), "burgers": (Burgers, "DN"), "poisson-2d": (Poisson2D, "DN"), "cavity": (Cavity, "M4")}

def run(problem, threads, seconds, device="cpu", variant="method"):
    """variant "method": the weighting's per-term gradients every tau = 10 steps, as the method requires; "plain": the
    bare loop users start from (one loss, one backward, Adam; weights stay 1), a lower bound on PyTorch's step."""
    torch.set_num_threads(threads)
    if device != "cpu":   # torch >= 2.0 only; the CPU default needs no call (Debian ships 1.13)
        torch.set_default_device(device)   # model, pools and samples are created on the device
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    torch.manual_seed(1)
    make, scheme = PROBLEMS[problem]
    model = make()
    params = list(model.net.parameters())
    weights = [p for n, p in model.net.named_parameters() if n.endswith("weight") and not n.startswith(("u.", "v."))]
    opt = torch.optim.Adam(params, lr=1e-3)
    lam = None
    def step(i):
        nonlocal lam
        l_r, adaptive, fixed = model.losses()
        lam = lam or [1.0] * len(adaptive)
        if variant == "method" and i % 10 == 0:
            if scheme == "DN":
                # allow_unused: the output bias does not reach a residual made only of derivatives (Poisson).
                g_r = torch.autograd.grad(l_r, params, retain_graph=True, allow_unused=True)
                n_r = torch.sqrt(sum((g ** 2).sum() for g in g_r if g is not None))
                for k, term in enumerate(adaptive):
                    g = torch.autograd.grad(term, params, retain_graph=True, allow_unused=True)
                    lam[k] = 0.99 * lam[k] + 0.01 * float(n_r / torch.sqrt(sum((x ** 2).sum() for x in g if x is not None)))
            else:   # Wang et al. 2021 annealing: max over layers of max|g_r| over the mean of per-layer mean |lambda g_i|
                g_r = torch.autograd.grad(l_r, weights, retain_graph=True)
                max_r = max(g.abs().max() for g in g_r)
                for k, term in enumerate(adaptive):
                    g = torch.autograd.grad(term, weights, retain_graph=True)
                    mean = sum(x.abs().mean() for x in g) / len(g)
                    lam[k] = 0.9 * lam[k] + 0.1 * float(max_r / (lam[k] * mean))
        loss = l_r + sum(l * t for l, t in zip(lam, adaptive)) + sum(fixed)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    i = 0
    cpu = []
    start = time.perf_counter()
    while i < 2 or time.perf_counter() - start < seconds / 4:   # warm-up
        step(i); i += 1
    times = []
    for _ in range(3):
        sync()
        n, start, cpu_start = 0, time.perf_counter(), time.process_time()
        while n < 1 or time.perf_counter() - start < seconds / 4:
            step(i); i += 1; n += 1
        sync()
        times.append(1000 * (time.perf_counter() - start) / n)
        cpu.append(1000 * (time.process_time() - cpu_start) / n)
    times.sort(); cpu.sort()
    return {"peer": "pytorch", "torch": torch.__version__, "problem": problem, "model": scheme, "device": device, "threads": threads,
            "variant": variant, "ms_per_iter": round(times[1], 4), "ms_per_iter_min": round(times[0], 4),
            "cpu_ms_per_iter": round(cpu[1], 4), "measured_iters": i}

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--problem", required=True, choices=sorted(PROBLEMS))
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--variant", default="method", choices=["method", "plain"],
                    help="method: per-term gradients for the weights every 10 steps; plain: one autograd loss per step")
    a = ap.parse_args()
    for n in a.threads:
        print(json.dumps(run(a.problem, n, a.seconds, a.device, a.variant)), flush=True)
