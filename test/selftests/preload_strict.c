// SPDX-License-Identifier: GPL-2.0
/*
 * Under libixdp-preload.so with IXDP_PRELOAD_STRICT=1, binds a UDP socket
 * to ixdp's address (argv[1]), which the library does not support: it
 * must abort. Exits 0 if the bind returned instead (preload.sh then
 * fails the check).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7490) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (argc != 2 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
		return 2;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		perror("bind");
	printf("the bind returned\n");
	return 0;
}
