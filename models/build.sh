#!/usr/bin/env bash
# Trains and exports the models shipped in models/ (see models/README.md for the resulting metrics).
#
#   models/build.sh                      # all models
#   models/build.sh klein-gordon-m4      # only the named ones
#   PINN="dotnet path/to/pinn.dll" NICE="nice -n 10" models/build.sh ...
#
# Each model: `pinn train … --out runs/models/NAME`, then `pinn export runs/models/NAME --out models/NAME.onnx
# --fields …`, then `models/NAME.reference.csv` (grid points + reference values, the dataset the gRPC
# server's Validate uses by name) and `pinn eval-onnx` of the exported file against it.
# Iteration budgets below are what a shared 2-core machine trains in minutes; the papers' budgets are noted
# next to each where they differ (pass ITERS_SCALE=... to scale all of them, e.g. ITERS_SCALE=4).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${RUNS_DIR:-runs/models}"
nice_cmd=${NICE:-}
scale=${ITERS_SCALE:-1}

if [[ -z "${PINN:-}" ]]; then
  dotnet build src/PinnServe.Cli -c Release -v quiet -nologo >/dev/null
  PINN="dotnet src/PinnServe.Cli/bin/Release/net10.0/pinn.dll"
fi
pinn() { $nice_cmd $PINN "$@"; }
# REUSE_RUNS=1 keeps a finished run directory and only re-exports (e.g. after changing the exported fields).
train() { # name, then `pinn train` arguments
  local name=$1; shift
  if [[ "${REUSE_RUNS:-0}" == 1 && -f "$runs/$name/network.json" ]]; then
    echo "reusing $runs/$name"
  elif [[ -e "$runs/$name" ]]; then
    echo "models/build.sh: $runs/$name already exists: delete it to retrain, or set REUSE_RUNS=1 to re-export it" >&2
    exit 1
  else
    pinn train "$@" --out "$runs/$name"
  fi
}
iters() { echo $(( $1 * scale )); }

# Exact solutions on a grid as a reference CSV (header: inputs then fields). awk keeps this dependency-free.
exact_csv() { # out header nx ny x0 x1 y0 y1 awk-expression-in-a-and-b
  local out=$1 header=$2 nx=$3 ny=$4 a0=$5 a1=$6 b0=$7 b1=$8 expr=$9
  awk -v nx="$nx" -v ny="$ny" -v a0="$a0" -v a1="$a1" -v b0="$b0" -v b1="$b1" -v header="$header" "
    BEGIN { pi = atan2(0, -1); print header
      for (i = 0; i < nx; i++) for (j = 0; j < ny; j++) {
        a = a0 + (a1 - a0) * i / (nx - 1); b = b0 + (b1 - b0) * j / (ny - 1)
        printf \"%.7g,%.7g,%.9g\\n\", a, b, $expr } }" > "$out.tmp"
  mv "$out.tmp" "$out"
}

export_and_check() { # name fields
  local name=$1 fields=$2
  pinn export "$runs/$name" --out "models/$name.onnx" --fields "$fields"
  pinn eval-onnx "models/$name.onnx" --reference "models/$name.reference.csv"
}

build_helmholtz_m4() { # paper budget: 40,000 iterations, 5 x 50 (Table 3)
  local name=helmholtz-m4
  train "$name" helmholtz --model M4 --layers 5x50 --iters "$(iters 40000)" --seed 1
  exact_csv "models/$name.reference.csv" "x,y,u" 101 101 -1 1 -1 1 "sin(pi * a) * sin(4 * pi * b)"
  export_and_check "$name" "u,u_x,u_y,u_xx,u_yy"
}

build_klein_gordon_m4() { # paper budget: 40,000 iterations, 5 x 50
  local name=klein-gordon-m4
  train "$name" klein-gordon --model M4 --layers 5x50 --iters "$(iters 40000)" --seed 1
  exact_csv "models/$name.reference.csv" "t,x,u" 101 101 0 1 0 1 "b * cos(5 * pi * a) + (b * a) ^ 3"
  export_and_check "$name" "u,u_t,u_x,u_tt,u_xx"
}

build_cavity_m4() { # paper budget: 40,000 Adam iterations, 5 x 50, then the recipe's 6,000 L-BFGS (restarted every 2,000) with the weights x 0.1 (cavity-recipe; seed 11 is the best of 12)
  local name=cavity-m4
  train "$name" cavity --model M4 --layers 5x50 --iters "$(iters 40000)" --lbfgs 6000 --lbfgs-restart 2000 --lbfgs-weight-scale 0.1 --seed 11
  pinn reference cavity --grid 65x65 --out "models/$name.reference.csv"
  export_and_check "$name" "u,v,p,psi"
}

build_burgers_dn() { # the paper's 30,000 full-batch epochs on 10,000 residual, 100 IC and 200 BC points, then 5,000 L-BFGS
  local name=burgers-dn
  train "$name" burgers --model DN --beta 0.99 --iters "$(iters 30000)" --lbfgs "$(iters 5000)" --seed 1
  pinn reference burgers --grid 51x129 --out "models/$name.reference.csv"
  export_and_check "$name" "u,u_x,u_t"
}

all=(klein-gordon-m4 helmholtz-m4 burgers-dn cavity-m4)
if (( $# == 0 )); then set -- "${all[@]}"; fi
for name in "$@"; do
  case "$name" in
    helmholtz-m4) build_helmholtz_m4 ;;
    klein-gordon-m4) build_klein_gordon_m4 ;;
    cavity-m4) build_cavity_m4 ;;
    burgers-dn) build_burgers_dn ;;
    *) echo "models/build.sh: unknown model '$name' (known: ${all[*]})" >&2; exit 2 ;;
  esac
  ls -l "models/$name.onnx"
done
