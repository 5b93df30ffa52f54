"""Training on several workers: tf.distribute.MultiWorkerMirroredStrategy with local processes.

    python benchmarks/multiworker.py                            # 1 worker vs 2 workers, measured
    python benchmarks/multiworker.py --output benchmarks/results   # store multiworker.json there

Without ``--output`` the result goes to a new temporary folder (printed at the end).

The same dense autoencoder (``models.build_dense_autoencoder``, seed 0) is trained on the
same standardised rows (notebook 11's 3,000 transaction training rows) with the same
**global** batch (``GLOBAL_BATCH`` rows per step, no shuffling, plain SGD), twice:

* by one process, without ``TF_CONFIG``;
* by ``N_WORKERS`` processes on this machine, each with a ``TF_CONFIG`` naming all of them
  on 127.0.0.1 ports, under ``MultiWorkerMirroredStrategy``: each step's global batch is
  split between the workers (``AutoShardPolicy.DATA``), each computes the gradient of its
  half, and the workers average them with an all-reduce.

Both write their final weights and losses; the result compares them (the largest absolute
weight difference, the loss curves) and the wall time. :func:`run_workers` starts the
worker processes, waits for them with a timeout, and kills every one it started when one
fails, when the timeout passes, or on any exception — no process is left behind.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
N_WORKERS = 2
GLOBAL_BATCH = 60      # divides the 3,000 rows: every step has a full global batch
LEARNING_RATE = 0.05
EPOCHS = 5
N_ROWS = 3_000
TIMEOUT_S = 600


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _data() -> np.ndarray:
    from course_utils import datasets

    tx = datasets.load("transactions", random_state=0, n_transactions=60_000, n_days=180)
    rng = np.random.default_rng(0)
    X = tx.X_train[rng.choice(len(tx.X_train), N_ROWS, replace=False)]
    return ((X - X.mean(axis=0)) / X.std(axis=0)).astype(np.float32)


def train(out: Path, epochs: int, fail: bool = False) -> None:
    """One training process: under MultiWorkerMirroredStrategy when TF_CONFIG is set."""
    from course_utils import models
    from course_utils.reproducibility import setup_tensorflow

    if fail:
        raise SystemExit("worker asked to fail (--fail): a forced failure for the tests")
    tf = setup_tensorflow(0)
    import keras

    multi = "TF_CONFIG" in os.environ
    strategy = (tf.distribute.MultiWorkerMirroredStrategy() if multi
                else tf.distribute.get_strategy())
    Z = _data()
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    data = tf.data.Dataset.from_tensor_slices((Z, Z)).batch(GLOBAL_BATCH).with_options(options)
    with strategy.scope():
        model = models.build_dense_autoencoder(Z.shape[1])
        optimizer = keras.optimizers.SGD(LEARNING_RATE)
    batches = strategy.experimental_distribute_dataset(data)

    # a custom loop: Keras 3.12's fit() fails under MultiWorkerMirroredStrategy (its first
    # step reduces the data batch across workers eagerly: "Attempt to convert a value
    # (PerReplica ...) to a Tensor")
    @tf.function
    def step(x, y):
        def on_replica(x, y):
            with tf.GradientTape() as tape:
                per_row = tf.reduce_mean((model(x, training=True) - y) ** 2, axis=1)
                loss = tf.nn.compute_average_loss(per_row, global_batch_size=GLOBAL_BATCH)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            return loss
        return strategy.reduce("SUM", strategy.run(on_replica, args=(x, y)), axis=None)

    start = time.perf_counter()
    losses = []
    for _ in range(epochs):
        per_step = [float(step(x, y)) for x, y in batches]
        losses.append(float(np.mean(per_step)))
    seconds = time.perf_counter() - start
    task = json.loads(os.environ["TF_CONFIG"])["task"]["index"] if multi else 0
    np.savez(out / f"weights-{task}.npz", *model.get_weights())
    (out / f"result-{task}.json").write_text(json.dumps(
        {"replicas": int(strategy.num_replicas_in_sync), "loss": losses,
         "fit_seconds": seconds}))


def _failure(index: int, out: Path) -> str:
    log = (out / f"worker-{index}.log").read_text(errors="replace").strip().splitlines()
    return f"worker {index} failed; the end of its log: {log[-1] if log else '(empty)'}"


def run_workers(n_workers: int, out: Path, *, epochs: int = EPOCHS, timeout: float = TIMEOUT_S,
                fail_index: int | None = None) -> dict:
    """Start ``n_workers`` training processes (``TF_CONFIG`` on 127.0.0.1), wait, clean up.

    ``n_workers=1`` runs one process without ``TF_CONFIG`` (the single-worker reference).
    Raises ``RuntimeError`` if a worker fails or the timeout passes; in every case all
    started processes are terminated (then killed) before returning. Returns the wall time,
    the worker ids (``pids``) and worker 0's result.
    """
    out.mkdir(parents=True, exist_ok=True)
    ports = _free_ports(n_workers)
    procs: list[subprocess.Popen] = []
    start = time.perf_counter()
    try:
        for index in range(n_workers):
            env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
            env.pop("TF_CONFIG", None)
            if n_workers > 1:
                env["TF_CONFIG"] = json.dumps({
                    "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
                    "task": {"type": "worker", "index": index}})
            cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(out),
                   "--epochs", str(epochs)] + (["--fail"] if index == fail_index else [])
            # stderr to a file, not a pipe: a worker that writes more than a pipe holds
            # would block, and look like a hang
            with open(out / f"worker-{index}.log", "w") as log:
                procs.append(subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                              stderr=log))
        deadline = time.monotonic() + timeout
        while any(p.poll() is None for p in procs):
            failed = [p for p in procs if p.poll() not in (None, 0)]
            if failed:
                raise RuntimeError(_failure(procs.index(failed[0]), out))
            if time.monotonic() > deadline:
                raise RuntimeError(f"the workers did not finish within {timeout:g} s")
            time.sleep(0.2)
        failed = [p for p in procs if p.returncode != 0]
        if failed:
            raise RuntimeError(_failure(procs.index(failed[0]), out))
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    result = json.loads((out / "result-0.json").read_text())
    return {"wall_seconds": time.perf_counter() - start, "pids": [p.pid for p in procs], **result}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, help="folder for multiworker.json")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fail", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        train(args.worker, args.epochs, fail=args.fail)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        one = run_workers(1, Path(tmp) / "one", epochs=args.epochs)
        many = run_workers(N_WORKERS, Path(tmp) / "many", epochs=args.epochs)
        w1 = np.load(Path(tmp) / "one" / "weights-0.npz")
        w2 = np.load(Path(tmp) / "many" / "weights-0.npz")
        w2b = np.load(Path(tmp) / "many" / "weights-1.npz")
        diff = max(float(np.abs(w1[k] - w2[k]).max()) for k in w1.files)
        workers_agree = max(float(np.abs(w2[k] - w2b[k]).max()) for k in w2.files)
    result = {"n_workers": N_WORKERS, "global_batch": GLOBAL_BATCH, "epochs": args.epochs,
              "rows": N_ROWS, "cpus": os.cpu_count(), "single": one, "multi": many,
              "max_weight_difference": diff, "max_difference_between_workers": workers_agree}
    folder = args.output or Path(tempfile.mkdtemp(prefix="multiworker-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "multiworker.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("single", "multi")}))
    print(f"loss 1 worker: {[round(v, 5) for v in one['loss']]}")
    print(f"loss {N_WORKERS} workers: {[round(v, 5) for v in many['loss']]}")
    print(f"wall: 1 worker {one['wall_seconds']:.1f} s, {N_WORKERS} workers {many['wall_seconds']:.1f} s")
    print(f"wrote {folder / 'multiworker.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
