"""The ``landscape`` command: the window by default, and headless ``info`` and ``descend``.

Exit codes are a contract: 0 success, 2 bad input (one clear line on stderr, no traceback).
An output that cannot be written (a folder, a pipe, a full disk, no permission) is bad input
too. When the reader of standard output goes away early (``landscape info ... | head``) the
command stops quietly with exit 0, as most command-line tools do: nothing went wrong that the
user needs to hear about.

A formula may start with a minus (``-f "-x^2-y^2"``) and numbers may be negative in any float
spelling (``--start -1e-3 2``): the value after ``-f``/``--formula`` is always taken as the
formula, and anything that reads as a negative number is taken as a value, not an option.

Qt is imported only on the paths that open a window, so ``info`` and ``descend`` start fast
and run on machines with no display.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
from collections.abc import Sequence

from landscape_gui import __version__

SUBCOMMANDS = ("info", "descend", "screenshot")
EXIT_OK, EXIT_COULD_NOT_START, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Anything the user gave that cannot be used; its message is the one line they see."""


# Anything float() would read after a minus: -1, -.5, -1e-3, -inf, -nan (the last two are then
# refused as "not a finite number" rather than taken for unknown options).
_NEGATIVE_NUMBER = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)
_FORMULA_OPTION = "--formula"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    # argparse prints a multi-line usage block on error; users get one clear line instead.
    def error(self, message: str):
        raise BadInput(f"{self.prog}: {message} (see {self.prog} --help)")


def _is_formula_option(token: str) -> bool:
    return token == "-f" or (len(token) >= 3 and _FORMULA_OPTION.startswith(token))


def _formula_values_attached(argv: list[str], long_options: set[str]) -> list[str]:
    """``-f -x^2`` as ``--formula=-x^2``: argparse would take a leading minus for an option.

    The token after ``-f``/``--formula`` is the formula unless it is one of the command's own
    long options (``-f --start 1 1`` forgot the formula; argparse then says so).
    """
    result: list[str] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            result += argv[index:]
            break
        following = argv[index + 1] if index + 1 < len(argv) else None
        if (
            _is_formula_option(token)
            and following is not None
            and following.startswith("-")
            and following.split("=", 1)[0] not in long_options
        ):
            result.append(f"{_FORMULA_OPTION}={following}")
            index += 2
            continue
        result.append(token)
        index += 1
    return result


def _long_options(parser: argparse.ArgumentParser) -> set[str]:
    options = set()
    pending = [parser]
    while pending:
        current = pending.pop()
        for action in current._actions:
            options.update(o for o in action.option_strings if o.startswith("--"))
            if isinstance(action, argparse._SubParsersAction):
                pending.extend(action.choices.values())
    return options


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value


def _parameter(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or len(name) != 1 or not name.isascii() or not name.isalpha():
        raise argparse.ArgumentTypeError(f"'{text}' should look like a=2 (a single-letter name)")
    return name, _number(value.strip())


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="landscape",
        description="See z = f(x, y) as a landscape. With no command, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"landscape {__version__}")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    def landscape_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("-f", "--formula", required=True, help="f(x, y), e.g. 'x^2 + 3xy + y^2'")
        sub.add_argument(
            "--param",
            action="append",
            type=_parameter,
            default=[],
            metavar="NAME=VALUE",
            help="a parameter's value (default 1), e.g. a=2",
        )
        sub.add_argument("--x-range", nargs=2, type=_number, metavar=("A", "B"))
        sub.add_argument("--y-range", nargs=2, type=_number, metavar=("A", "B"))

    def descent_options(sub: argparse.ArgumentParser, start_required: bool) -> None:
        from landscape_gui.core.optimizers import OPTIMIZERS

        sub.add_argument(
            "--start",
            nargs=2,
            type=_number,
            metavar=("X", "Y"),
            required=start_required,
            help="where the descent starts",
        )
        sub.add_argument(
            "--optimizer",
            default="gd",
            choices=sorted(OPTIMIZERS),
            help="step rule (default gd, plain gradient descent)",
        )
        sub.add_argument("--lr", type=_number, help="learning rate (step size)")
        sub.add_argument(
            "--set",
            action="append",
            type=_parameter_setting,
            default=[],
            metavar="NAME=VALUE",
            help="another hyperparameter, e.g. momentum=0.9",
        )
        sub.add_argument(
            "--tol",
            type=_number,
            default=1e-6,
            help="stop when |grad f| is below this (default 1e-6)",
        )

    info = commands.add_parser("info", help="f, its partial derivatives and critical points")
    landscape_options(info)
    info.add_argument(
        "--at",
        nargs=2,
        type=_number,
        metavar=("X", "Y"),
        help="also the value, gradient and steepest-ascent direction here",
    )
    info.add_argument("--json", action="store_true", help="print one JSON object")

    descend = commands.add_parser("descend", help="run gradient descent, write a trajectory CSV")
    landscape_options(descend)
    descent_options(descend, start_required=True)
    descend.add_argument("--steps", type=int, default=1000, help="at most this many (default 1000)")
    descend.add_argument("-o", "--output", help="CSV file to write (default: standard output)")

    shot = commands.add_parser("screenshot", help="open the window, save a PNG of it, exit")
    landscape_options(shot)
    descent_options(shot, start_required=False)
    shot.add_argument("--steps", type=int, default=0, help="descent steps to show")
    shot.add_argument("--size", nargs=2, type=int, default=(1600, 1000), metavar=("W", "H"))
    shot.add_argument(
        "--presentation",
        action="store_true",
        help="presentation mode (F5): full screen, so the picture is the screen's size",
    )
    shot.add_argument("-o", "--output", required=True, help="PNG file to write")
    return parser


def _parameter_setting(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"'{text}' should look like momentum=0.9")
    return name.strip(), _number(value.strip())


def _make_landscape(args):
    """The landscape the options describe; BadInput with the parser's message if they don't."""
    from landscape_gui.core.formula import FormulaError
    from landscape_gui.core.landscape import Domain, Landscape
    from landscape_gui.core.presets import preset_for_formula

    if not isinstance(args.formula, str) or not args.formula.strip():
        # argparse turns `--formula=--` into an empty list; say what is missing instead.
        raise BadInput(
            f"landscape {args.command}: -f/--formula needs a formula, e.g. -f 'x^2 + y^2'"
        )
    preset = preset_for_formula(args.formula)
    domain = preset.domain if preset else Domain()
    try:
        if args.x_range or args.y_range:
            x_range = args.x_range or (domain.x_min, domain.x_max)
            y_range = args.y_range or (domain.y_min, domain.y_max)
            domain = Domain(*x_range, *y_range)
        return Landscape.from_text(args.formula, dict(args.param), domain)
    except FormulaError as error:
        raise BadInput(f"bad formula: {error}") from None
    except ValueError as error:
        raise BadInput(str(error)) from None


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return "undefined"
    text = f"{value:.6g}"
    return "0" if text == "-0" else text


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _critical_points(landscape):
    from landscape_gui.core import calculus
    from landscape_gui.core.landscape import merge_critical_points

    analysis = calculus.analyse(landscape.expression(), seconds=4.0)
    points = merge_critical_points(
        landscape.find_critical_points(), analysis.critical_points, landscape.domain
    )
    return analysis, points


def run_info(args) -> int:
    landscape = _make_landscape(args)
    analysis, points = _critical_points(landscape)
    readout = landscape.at(*args.at) if args.at else None
    if args.json:
        result = {
            "f": analysis.f,
            "df_dx": analysis.df_dx,
            "df_dy": analysis.df_dy,
            "parameters": landscape.parameter_values,
            "domain": list(landscape.domain.as_tuple()),
            "critical_points": [
                {"x": p.x, "y": p.y, "kind": p.kind, "f": _json_number(p.value)} for p in points
            ],
        }
        if readout:
            result["at"] = {
                "x": readout.x,
                "y": readout.y,
                "f": _json_number(readout.f),
                "grad": [_json_number(readout.df_dx), _json_number(readout.df_dy)],
                "grad_norm": _json_number(readout.grad_norm),
            }
        print(json.dumps(result, indent=2))
        return EXIT_OK
    lines = [f"f(x, y) = {analysis.f}"]
    if landscape.parameter_values:
        values = ", ".join(f"{k} = {_fmt(v)}" for k, v in landscape.parameter_values.items())
        lines.append(f"  with {values}")
    lines += [f"∂f/∂x = {analysis.df_dx}", f"∂f/∂y = {analysis.df_dy}"]
    d = landscape.domain
    where = f"x in [{_fmt(d.x_min)}, {_fmt(d.x_max)}], y in [{_fmt(d.y_min)}, {_fmt(d.y_max)}]"
    if points:
        lines.append(f"critical points (grad f = 0) with {where}:")
        for p in points:
            coords = f"({p.exact[0]}, {p.exact[1]})" if p.exact else f"({_fmt(p.x)}, {_fmt(p.y)})"
            lines.append(f"  {coords}  {p.kind}, f = {_fmt(p.value)}")
    else:
        lines.append(f"no critical points with {where}")
    for note in analysis.notes:
        lines.append(f"  note: {note}")
    if readout:
        lines.append(f"at ({_fmt(readout.x)}, {_fmt(readout.y)}):")
        lines.append(f"  f = {_fmt(readout.f)}")
        lines.append(f"  grad f = ({_fmt(readout.df_dx)}, {_fmt(readout.df_dy)})")
        lines.append(f"  |grad f| = {_fmt(readout.grad_norm)}")
        direction = readout.ascent_direction
        if direction is None:
            lines.append("  steepest ascent: none (flat or undefined here)")
        else:
            lines.append(
                f"  steepest ascent: ({_fmt(direction[0])}, {_fmt(direction[1])}),"
                f" rising {_fmt(readout.grad_norm)} per unit step"
            )
    print("\n".join(lines))
    return EXIT_OK


def _descent_settings(args) -> tuple[str, dict[str, float]]:
    hyperparameters = dict(args.set)
    if args.lr is not None:
        hyperparameters["lr"] = args.lr
    return args.optimizer, hyperparameters


def run_descend(args) -> int:
    from landscape_gui.core.descent import DescentError, DescentRun
    from landscape_gui.core.optimizers import OptimizerError
    from landscape_gui.core.trajectory import (
        runs_from_descent,
        trajectory_metadata,
        write_trajectory_csv,
        write_trajectory_file,
    )

    landscape = _make_landscape(args)
    optimizer, hyperparameters = _descent_settings(args)
    if args.steps < 0 or args.steps > 10_000_000:
        raise BadInput("landscape descend: --steps must be between 0 and 10,000,000")
    if args.tol < 0:
        raise BadInput("landscape descend: --tol must not be negative")
    try:
        run = DescentRun(
            landscape,
            [args.start],
            optimizer,
            hyperparameters,
            max_steps=args.steps,
            tol=args.tol,
        )
    except (OptimizerError, DescentError) as error:
        raise BadInput(f"landscape descend: {error}") from None
    to_file = bool(args.output) and args.output != "-"
    if to_file:
        _check_output("landscape descend", args.output)  # before a long run, not after it
    run.advance(args.steps)
    runs = runs_from_descent(run, names=["1"])
    extra = {
        "start": f"{args.start[0]!r} {args.start[1]!r}",
        "tol": args.tol,
        "max_steps": args.steps,
    }
    if landscape.parameter_values:
        extra["parameters"] = ", ".join(f"{k}={v!r}" for k, v in landscape.parameter_values.items())
    metadata = trajectory_metadata(args.formula, runs, extra)
    if to_file:
        try:
            write_trajectory_file(args.output, runs, metadata)
        except OSError as error:
            raise _unwritable("landscape descend", args.output, error) from None
    else:
        write_trajectory_csv(sys.stdout, runs, metadata)
    from landscape_gui.core.explain import run_summary

    print(run_summary(run, landscape), file=sys.stderr)
    return EXIT_OK


def _unwritable(command: str, output: str, error: BaseException) -> BadInput:
    from landscape_gui.core.atomic import describe_write_error, display_name

    return BadInput(
        f"{command}: cannot write {display_name(output)}: {describe_write_error(error)}"
    )


def _check_output(command: str, output: str) -> None:
    """Refuse an output that cannot be written (a folder, a pipe, a missing folder) up front."""
    from landscape_gui.core.atomic import resolve_target

    try:
        resolve_target(output)
    except OSError as error:
        raise _unwritable(command, output, error) from None


def _require_display(command: str) -> None:
    """Qt aborts with a cryptic message when it finds no display; say it plainly instead."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise BadInput(
            f"{command}: no display to open a window on (DISPLAY is not set); on a headless "
            "machine run it under xvfb-run -a"
        )


def run_window(argv: list[str]) -> int:
    """`landscape` or `landscape FILE.landscape` (what a double-click on a session runs)."""
    if len(argv) > 1 or (argv and argv[0].startswith("-")):
        raise BadInput(f"landscape: unknown command '{' '.join(argv)}' (see landscape --help)")
    path = argv[0] if argv else None
    if path is not None and not path.endswith(".landscape") and not os.path.exists(path):
        raise BadInput(f"landscape: unknown command '{path}' (see landscape --help)")
    _require_display("landscape")
    from landscape_gui import startup

    missing = startup.missing_system_libraries()
    if missing:
        title = "Landscape could not start"
        startup.report_without_qt(title, startup.missing_libraries_message(missing))
        return EXIT_COULD_NOT_START
    # sympy first: PySide6 inspects the source of every module imported after it (its
    # "feature" hook), which costs about 0.15 s of start-up for sympy's thousand modules.
    import landscape_gui.core.landscape  # noqa: F401

    try:
        from landscape_gui.qt import app
    except ImportError as error:  # Qt's own libraries failed to load
        startup.report_without_qt("Landscape could not start", f"Qt could not load: {error}")
        return EXIT_COULD_NOT_START
    try:
        return app.run(path)
    except Exception as error:  # a double-clicked app has no terminal: show it, log it
        app.show_startup_failure(error)
        return EXIT_COULD_NOT_START


def run_screenshot(args) -> int:
    landscape = _make_landscape(args)  # bad input fails here, before any window opens
    width, height = args.size
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise BadInput("landscape screenshot: --size must be between 200 and 8000 pixels")
    if not args.output.lower().endswith(".png"):
        raise BadInput("landscape screenshot: the output must be a .png file")
    from landscape_gui.core.optimizers import OptimizerError, resolve_hyperparameters

    optimizer, hyperparameters = _descent_settings(args)
    try:
        resolve_hyperparameters(optimizer, hyperparameters)
    except OptimizerError as error:
        raise BadInput(f"landscape screenshot: {error}") from None
    if args.steps < 0 or args.steps > 1_000_000:
        raise BadInput("landscape screenshot: --steps must be between 0 and 1,000,000")
    _check_output("landscape screenshot", args.output)
    _require_display("landscape screenshot")
    from landscape_gui.qt import screenshot

    try:
        screenshot.save_window_screenshot(landscape, args, args.output)
    except OSError as error:
        raise _unwritable("landscape screenshot", args.output, error) from None
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    # The frozen app re-executes itself for time-bounded symbolic work (core.timebound).
    multiprocessing.freeze_support()
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, inside the try, not at exit
        return code
    except BadInput as error:
        print(str(error), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader stopped early (`| head`): stop quietly, and keep Python from complaining
        # again when it flushes standard output at exit.
        _silence_stdout()
        return EXIT_OK
    except KeyboardInterrupt:
        return 130


def _run(argv: list[str]) -> int:
    if argv and (argv[0] in SUBCOMMANDS or argv[0] in ("-h", "--help", "--version")):
        parser = _build_parser()
        try:
            args = parser.parse_args(_formula_values_attached(argv, _long_options(parser)))
        except SystemExit as done:  # --help and --version print, then "exit"
            return done.code if isinstance(done.code, int) else EXIT_OK
        if args.command == "info":
            return run_info(args)
        if args.command == "descend":
            return run_descend(args)
        if args.command == "screenshot":
            return run_screenshot(args)
        return EXIT_OK
    return run_window(argv)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (tests capture it): nothing will be flushed to a closed pipe
