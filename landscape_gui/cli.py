"""The ``landscape`` command: the window by default, and headless ``info`` and ``descend``.

Exit codes are a contract: 0 success, 2 bad input (one clear line on stderr, no traceback).
An output that cannot be written (a folder, a pipe, a full disk, no permission) is bad input
too. When the reader of standard output goes away early (``landscape info ... | head``) the
command stops quietly with exit 0, as most command-line tools do: nothing went wrong that the
user needs to hear about.

A formula may start with a minus (``-f "-x^2-y^2"``) and numbers may be negative in any float
spelling (``--start -1e-3 2``): the value after ``-f``/``--formula`` (or ``--constraint``) is
always taken as the formula, and anything that reads as a negative number is taken as a value,
not an option.

``--constraint "g(x, y) = c"`` (``info`` and ``descend``) adds a curve: ``info`` lists the
Lagrange points on it (∇f = λ∇g) with their kind, f and λ; ``descend`` walks along it with
projected descent (the default there) or the penalty method, and the CSV gains ``g`` and
``lambda`` columns.

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
from landscape_gui.core import limits
from landscape_gui.core.numbers import number

SUBCOMMANDS = ("info", "descend", "screenshot")
EXIT_OK, EXIT_COULD_NOT_START, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(Exception):
    """Anything the user gave that cannot be used; its message is the one line they see."""


# Anything float() would read after a minus: -1, -.5, -1e-3, -inf, -nan (the last two are then
# refused as "not a finite number" rather than taken for unknown options).
_NEGATIVE_NUMBER = re.compile(r"^-(\d|\.\d|inf|nan)", re.IGNORECASE)
_FORMULA_OPTION = "--formula"
_CONSTRAINT_OPTION = "--constraint"


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _NEGATIVE_NUMBER

    # argparse prints a multi-line usage block on error; users get one clear line instead.
    def error(self, message: str):
        raise BadInput(f"{self.prog}: {message} (see {self.prog} --help)")


def _is_formula_option(token: str) -> bool:
    return token == "-f" or (len(token) >= 3 and _FORMULA_OPTION.startswith(token))


def _is_constraint_option(token: str) -> bool:
    return len(token) >= 5 and _CONSTRAINT_OPTION.startswith(token)


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
        takes_text = _is_formula_option(token) or _is_constraint_option(token)
        if (
            takes_text
            and following is not None
            and following.startswith("-")
            and following.split("=", 1)[0] not in long_options
        ):
            option = _FORMULA_OPTION if _is_formula_option(token) else _CONSTRAINT_OPTION
            result.append(f"{option}={following}")
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

    def constraint_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            _CONSTRAINT_OPTION,
            metavar="'G = C'",
            help="a curve g(x, y) = c to stay on, e.g. 'x^2 + y^2 = 1' (parameters allowed)",
        )

    def descent_options(
        sub: argparse.ArgumentParser, start_required: bool, constrained: bool = False
    ) -> None:
        sub.add_argument(
            "--start",
            nargs=2,
            type=_number,
            metavar=("X", "Y"),
            required=start_required,
            help="where the descent starts",
        )
        if constrained:
            sub.add_argument(
                "--optimizer",
                default=None,
                choices=_OptimizerNames(constrained=True),
                metavar="NAME",
                help=(
                    "step rule: %(choices)s "
                    f"(default {limits.DEFAULT_OPTIMIZER}, plain gradient descent; "
                    "with --constraint, projected: projected descent; penalty: the penalty method)"
                ),
            )
        else:
            sub.add_argument(
                "--optimizer",
                default=limits.DEFAULT_OPTIMIZER,
                choices=_OptimizerNames(),
                metavar="NAME",
                help="step rule: %(choices)s (default gd, plain gradient descent)",
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
            default=limits.DEFAULT_TOLERANCE,
            help=(
                f"stop when |grad f| is below this (default {limits.DEFAULT_TOLERANCE:g}); on a "
                "curve, its part along the curve"
            ),
        )

    info = commands.add_parser("info", help="f, its partial derivatives and critical points")
    landscape_options(info)
    constraint_option(info)
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
    constraint_option(descend)
    descent_options(descend, start_required=True, constrained=True)
    descend.add_argument(
        "--steps",
        type=int,
        default=limits.DEFAULT_DESCEND_STEPS,
        help=f"at most this many (default {limits.DEFAULT_DESCEND_STEPS})",
    )
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
    shot.add_argument(
        "--constraint",
        metavar="G=C",
        help="a constraint g(x, y) = c to draw, e.g. 'x^2 + y^2 = 1' (the probe is the start)",
    )
    return parser


class _OptimizerNames:
    """The optimizers' names for argparse's ``choices``, looked up only when an optimizer
    option is used or its help shown (hence the plain metavar: argparse would list them
    when the option is added): the registry imports numpy, which `info` may not need.
    ``constrained`` adds the step rules along a curve (projected, penalty)."""

    def __init__(self, constrained: bool = False) -> None:
        self.constrained = constrained

    def _names(self) -> list[str]:
        from landscape_gui.core.optimizers import ALL_OPTIMIZERS, OPTIMIZERS

        return sorted(ALL_OPTIMIZERS if self.constrained else OPTIMIZERS)

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self):
        return iter(self._names())


def _parameter_setting(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip().isidentifier():
        raise argparse.ArgumentTypeError(f"'{text}' should look like momentum=0.9")
    return name.strip(), _number(value.strip())


def _checked_input(args):
    """(formula, parameter values, domain, f with the values put in) as the options describe
    them, checked but not compiled; BadInput with the parser's message if they are wrong."""
    from landscape_gui.core.calculus import substitute_parameters
    from landscape_gui.core.domain import Domain, resolve_parameter_values
    from landscape_gui.core.formula import FormulaError, parse_formula
    from landscape_gui.core.presets import preset_for_formula

    if not isinstance(args.formula, str) or not args.formula.strip():
        # argparse turns `--formula=--` into an empty list; say what is missing instead.
        raise BadInput(
            f"landscape {args.command}: -f/--formula needs a formula, e.g. -f 'x^2 + y^2'"
        )
    preset = preset_for_formula(args.formula)
    parameters = dict(args.param)
    constraint_names = _constraint_parameters(args)
    try:
        domain = preset.domain if preset else Domain()
        formula = parse_formula(args.formula)
        if constraint_names is not None:
            # Parameters the constraint uses and f does not belong to the constraint alone.
            formula_names = set(formula.parameters)
            unknown = sorted(set(parameters) - formula_names - set(constraint_names))
            if unknown:
                raise BadInput(
                    f"neither the formula nor the constraint has a parameter {unknown[0]!r}"
                )
            parameters = {k: v for k, v in parameters.items() if k in formula_names}
        if args.x_range or args.y_range:
            x_range = args.x_range or (domain.x_min, domain.x_max)
            y_range = args.y_range or (domain.y_min, domain.y_max)
            domain = Domain(*x_range, *y_range)
        values = resolve_parameter_values(formula.parameters, parameters)
        return formula, values, domain, substitute_parameters(formula.expr, values)
    except FormulaError as error:
        raise BadInput(f"bad formula: {error}") from None
    except ValueError as error:
        raise BadInput(str(error)) from None


def _make_landscape(args, checked=None):
    """The landscape the options describe; BadInput with the parser's message if they don't."""
    from landscape_gui.core.formula import FormulaError
    from landscape_gui.core.landscape import CompiledFormula, Landscape

    formula, values, domain, _ = checked or _checked_input(args)
    try:
        return Landscape(CompiledFormula(formula), values, domain)
    except FormulaError as error:
        raise BadInput(f"bad formula: {error}") from None
    except ValueError as error:
        raise BadInput(str(error)) from None


def _constraint_text(args) -> str | None:
    text = getattr(args, "constraint", None)
    if text is None:
        return None
    if not isinstance(text, str) or not text.strip():
        raise BadInput(
            f"landscape {args.command}: --constraint needs a curve, e.g. --constraint "
            "'x^2 + y^2 = 1'"
        )
    return text


def _constraint_parameters(args) -> tuple[str, ...] | None:
    """The constraint's parameter names (None without --constraint); BadInput if it is bad."""
    text = _constraint_text(args)
    if text is None:
        return None  # and nothing imported: `info` without a constraint needs no numpy
    from landscape_gui.core.constraint import parse_constraint_text
    from landscape_gui.core.formula import FormulaError

    try:
        return parse_constraint_text(text).parameters
    except FormulaError as error:
        raise BadInput(f"bad constraint: {error}") from None


def _make_constraint(args):
    """The compiled constraint of --constraint (None without it), with its parameters' values."""
    text = _constraint_text(args)
    if text is None:
        return None
    from landscape_gui.core.constraint import parse_constraint
    from landscape_gui.core.formula import FormulaError

    try:
        return parse_constraint(text, dict(args.param))
    except FormulaError as error:
        raise BadInput(f"bad constraint: {error}") from None
    except ValueError as error:
        raise BadInput(f"bad constraint: {error}") from None


def _json_number(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _lagrange_lines(landscape, constraint, result) -> list[str]:
    from landscape_gui.core.constraint import LAMBDA_MEANING

    lines = [f"constraint: {constraint.text}"]
    if result.points:
        lines.append(
            f"Lagrange points (on the curve, where ∇f = λ∇g) with {_where(landscape.domain)}:"
        )
        for p in result.points:
            if p.exact is not None:
                exact = p.exact.as_text()
                coords = f"({exact['x']}, {exact['y']})"
                f_text = _with_exact(exact["f"], p.f)
                lam_text = _with_exact(exact["lambda"], p.lam)
            else:
                coords = f"({number(p.x)}, {number(p.y)})"
                f_text, lam_text = number(p.f), number(p.lam)
            lines.append(f"  {coords}  {p.kind}, f = {f_text}, λ = {lam_text}")
        lines.append(f"  {LAMBDA_MEANING}")
    else:
        lines.append(f"no Lagrange points found on the curve with {_where(landscape.domain)}")
    lines.extend(f"  note: {note}" for note in result.notes)
    return lines


def _where(d) -> str:
    return (
        f"x in [{number(d.x_min)}, {number(d.x_max)}], y in [{number(d.y_min)}, {number(d.y_max)}]"
    )


def _with_exact(exact: str, value: float) -> str:
    """``sqrt(2) ≈ 1.41421``, or just ``2`` when the exact form is the number itself."""
    text = number(value)
    if exact == text:
        return exact
    try:
        if float(exact) == value:
            return exact
    except ValueError:
        pass
    return f"{exact} ≈ {text}"


def run_info(args) -> int:
    from landscape_gui.core import calculus

    checked = _checked_input(args)
    _, parameter_values, domain, expression = checked
    landscape = None
    if args.at or not expression.is_polynomial(*expression.free_symbols):
        # The numbers will be needed: a formula that cannot be drawn is refused before the
        # exact work starts, as before.
        landscape = _make_landscape(args, checked)
    analysis = calculus.analyse(expression, seconds=4.0)
    points = analysis.critical_points
    # A complete exact answer (grad f polynomial) needs no numerical search beside it, and
    # then nothing here needs numpy or a compiled formula unless a point is asked about.
    if args.at or not analysis.critical_points_complete:
        from landscape_gui.core.landscape import merge_critical_points

        landscape = landscape or _make_landscape(args, checked)
        numeric = [] if analysis.critical_points_complete else landscape.find_critical_points()
        points = merge_critical_points(numeric, analysis.critical_points, domain)
    else:
        points = sorted((p for p in points if domain.contains(p.x, p.y)), key=lambda p: (p.x, p.y))
    constraint = _make_constraint(args)
    lagrange = None
    if constraint is not None:
        from landscape_gui.core.constraint import lagrange_points

        landscape = landscape or _make_landscape(args, checked)
        lagrange = lagrange_points(landscape, constraint, seconds=4.0)
    readout = landscape.at(*args.at) if landscape is not None and args.at else None
    if args.json:
        result = {
            "f": analysis.f,
            "df_dx": analysis.df_dx,
            "df_dy": analysis.df_dy,
            "parameters": parameter_values,
            "domain": list(domain.as_tuple()),
            "critical_points": [
                {"x": p.x, "y": p.y, "kind": p.kind, "f": _json_number(p.value)} for p in points
            ],
        }
        if lagrange is not None:
            result["constraint"] = constraint.text
            result["constrained_points"] = [
                {
                    "x": p.x,
                    "y": p.y,
                    "kind": p.kind,
                    "f": _json_number(p.f),
                    "lambda": _json_number(p.lam),
                }
                for p in lagrange.points
            ]
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
    if parameter_values:
        values = ", ".join(f"{k} = {number(v)}" for k, v in parameter_values.items())
        lines.append(f"  with {values}")
    lines += [f"∂f/∂x = {analysis.df_dx}", f"∂f/∂y = {analysis.df_dy}"]
    where = _where(domain)
    if points:
        lines.append(f"critical points (grad f = 0) with {where}:")
        for p in points:
            coords = (
                f"({p.exact[0]}, {p.exact[1]})" if p.exact else f"({number(p.x)}, {number(p.y)})"
            )
            lines.append(f"  {coords}  {p.kind}, f = {number(p.value)}")
    else:
        lines.append(f"no critical points with {where}")
    for note in analysis.notes:
        lines.append(f"  note: {note}")
    if lagrange is not None:
        lines += _lagrange_lines(landscape, constraint, lagrange)
    if readout:
        lines.append(f"at ({number(readout.x)}, {number(readout.y)}):")
        lines.append(f"  f = {number(readout.f)}")
        lines.append(f"  grad f = ({number(readout.df_dx)}, {number(readout.df_dy)})")
        lines.append(f"  |grad f| = {number(readout.grad_norm)}")
        direction = readout.ascent_direction
        if direction is None:
            lines.append("  steepest ascent: none (flat or undefined here)")
        else:
            lines.append(
                f"  steepest ascent: ({number(direction[0])}, {number(direction[1])}),"
                f" rising {number(readout.grad_norm)} per unit step"
            )
    print("\n".join(lines))
    return EXIT_OK


def _descent_settings(args) -> tuple[str, dict[str, float]]:
    hyperparameters = dict(args.set)
    if args.lr is not None:
        hyperparameters["lr"] = args.lr
    optimizer = args.optimizer
    if optimizer is None:  # descend's default: walk along the curve when there is one
        optimizer = "gd" if getattr(args, "constraint", None) is None else "projected"
    return optimizer, hyperparameters


def run_descend(args) -> int:
    from landscape_gui.core.descent import DescentError, DescentRun
    from landscape_gui.core.optimizers import OptimizerError
    from landscape_gui.core.trajectory import (
        descent_metadata,
        runs_from_descent,
        write_trajectory_csv,
        write_trajectory_file,
    )

    landscape = _make_landscape(args)
    constraint = _make_constraint(args)
    optimizer, hyperparameters = _descent_settings(args)
    if args.steps < 0 or args.steps > limits.MAX_DESCEND_STEPS:
        raise BadInput(
            f"landscape descend: --steps must be between 0 and {limits.MAX_DESCEND_STEPS:,}"
        )
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
            constraint=constraint,
        )
    except (OptimizerError, DescentError) as error:
        hint = ""
        if constraint is None and "needs a constraint" in str(error):
            hint = " (give one with --constraint, e.g. --constraint 'x^2 + y^2 = 1')"
        raise BadInput(f"landscape descend: {error}{hint}") from None
    to_file = bool(args.output) and args.output != "-"
    if to_file:
        _check_output("landscape descend", args.output)  # before a long run, not after it
    run.advance(args.steps)
    runs = runs_from_descent(run, names=["1"])
    values = dict(landscape.parameter_values)
    if constraint is not None:
        values.update(constraint.parameter_values)
    metadata = descent_metadata(
        args.formula,
        runs,
        [args.start],
        args.tol,
        args.steps,
        dict(sorted(values.items())),
        constraint=None if constraint is None else constraint.text,
    )
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


def screenshot_warm_up():
    """The screenshot helper's first job: the imports, font and printers its first analysis
    would pay for (qt.typeset.warm_up), while this process imports."""
    from landscape_gui.core import timebound

    return (timebound.call_by_name, ("landscape_gui.qt.typeset", "warm_up"))


def run_screenshot(args) -> int:
    # The derivatives are typeset in a helper process, started first thing: its start-up
    # (Python, sympy, the typesetter and its font: most of a second) runs on the other core
    # while this one imports sympy and Qt and builds the window, instead of taking turns with
    # the window's drawing for the interpreter. (Bad input below ends the process, and the
    # helper with it.)
    from landscape_gui.core import timebound

    timebound.start_quick_helper_in_background(screenshot_warm_up())
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
    if args.steps < 0 or args.steps > limits.MAX_STEPS:
        raise BadInput(f"landscape screenshot: --steps must be between 0 and {limits.MAX_STEPS:,}")
    if args.constraint is not None:
        from landscape_gui.core.constraint import parse_constraint
        from landscape_gui.core.formula import FormulaError

        try:
            parse_constraint(args.constraint, dict(args.param))
        except FormulaError as error:
            raise BadInput(f"landscape screenshot: bad constraint: {error}") from None
    _check_output("landscape screenshot", args.output)
    _require_display("landscape screenshot")
    from landscape_gui.qt import screenshot

    try:
        screenshot.save_window_screenshot(landscape, args, args.output)
    except OSError as error:
        raise _unwritable("landscape screenshot", args.output, error) from None
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    if getattr(sys, "frozen", False):
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
