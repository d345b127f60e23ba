# A UDP port that never reads: with the smallest receive buffer the kernel drops almost every
# datagram that reaches it and counts it in the socket's "drops" (/proc/net/udp), so the
# benchmark can count what arrived without a receiver taking CPU from the sender.
import socket
import sys

sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sink.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1)
sink.bind(("127.0.0.1", 0))
print(sink.getsockname()[1], flush=True)
sys.stdin.read()
