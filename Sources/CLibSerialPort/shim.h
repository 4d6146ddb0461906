#ifndef SMPCTL_CLIBSERIALPORT_SHIM_H
#define SMPCTL_CLIBSERIALPORT_SHIM_H
#include <libserialport.h>
#endif
