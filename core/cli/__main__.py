import signal
import sys

if __name__ == "__main__":
    try:
        from . import main

        status = main()
    except KeyboardInterrupt:  # Ctrl-C in the first instant, before main() took over the signals
        print("losslab: interrupted", file=sys.stderr)
        status = 130
    # a Ctrl-C while the interpreter shuts down must not print a traceback or change the exit status
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(status)
