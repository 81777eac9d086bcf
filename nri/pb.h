/* SPDX-License-Identifier: Apache-2.0 */
/* Short names for the protobuf-c types generated from nri/api.proto and
 * nri/ttrpc.proto (the generated ones are 30+ characters long). */
#ifndef BS_NRI_PB_H
#define BS_NRI_PB_H

#include "nri/api.pb-c.h"
#include "nri/ttrpc.pb-c.h"

#define PB(t)	   Nri__Pkg__Api__V1alpha1__##t
#define pb_(f)	   nri__pkg__api__v1alpha1__##f
#define PB_INIT(T) NRI__PKG__API__V1ALPHA1__##T##__INIT

#endif
