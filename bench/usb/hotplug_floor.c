// SPDX-License-Identifier: Apache-2.0
// The floor for `intake-bench usb`: the least a libusb program can do on a hotplug event.
// Registers one callback (after libusb's examples/hotplugtest.c), stamps CLOCK_MONOTONIC first thing in the
// callback and prints `arrived|left BUS ADDRESS NANOSECONDS`. No descriptor or string reads: that is the
// agent's extra work the benchmark shows against this floor.
#include <fcntl.h>
#include <libusb.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

static volatile sig_atomic_t done = 0;

static void on_signal(int sig) { (void)sig; done = 1; }

static int LIBUSB_CALL on_hotplug(libusb_context *ctx, libusb_device *dev, libusb_hotplug_event event, void *data) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    (void)ctx; (void)data;
    printf("%s %u %u %lld\n", event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED ? "arrived" : "left",
           libusb_get_bus_number(dev), libusb_get_device_address(dev),
           (long long)now.tv_sec * 1000000000LL + now.tv_nsec);
    fflush(stdout);
    return 0;
}

int main(void) {
    libusb_context *ctx = NULL;
    libusb_hotplug_callback_handle handle;
    // umockdev names a process's uevent socket after its fd number: hold some fds first so this program's
    // differs from the agent's and both receive every event when they watch side by side.
    for (int i = 0; i < 24; i++) open("/dev/null", O_RDONLY);
    if (libusb_init(&ctx) != 0 || !libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG)) return 1;
    // Without SA_RESTART, so a signal ends libusb's poll and the loop sees `done`.
    struct sigaction action = {0};
    action.sa_handler = on_signal;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    if (libusb_hotplug_register_callback(ctx, LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT,
                                         0, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
                                         LIBUSB_HOTPLUG_MATCH_ANY, on_hotplug, NULL, &handle) != 0) return 1;
    printf("ready\n");
    fflush(stdout);
    while (!done) libusb_handle_events(ctx);
    libusb_hotplug_deregister_callback(ctx, handle);
    libusb_exit(ctx);
    return 0;
}
