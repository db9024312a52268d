/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of the OpenCL API (CL/cl.h) that the test double in libopencl.c
 * implements and tinfer.c calls: types, error codes, flags and prototypes,
 * written from the signatures documented in CL/cl.h (OpenCL 3.0, x86-64).
 * Both sides include it, so the compiler checks that they agree.
 */
#ifndef VINFER_TEST_CL_API_H
#define VINFER_TEST_CL_API_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t cl_int;
typedef uint32_t cl_uint;
typedef uint64_t cl_ulong;
typedef cl_uint cl_bool;
typedef cl_ulong cl_bitfield;
typedef cl_ulong cl_properties;
typedef cl_bitfield cl_device_type;
typedef cl_bitfield cl_mem_flags;
typedef cl_bitfield cl_svm_mem_flags;
typedef cl_bitfield cl_command_queue_properties;
typedef cl_properties cl_queue_properties;
typedef intptr_t cl_context_properties;
typedef cl_uint cl_device_info;
typedef cl_uint cl_platform_info;

typedef struct _cl_platform_id *cl_platform_id;
typedef struct _cl_device_id *cl_device_id;
typedef struct _cl_context *cl_context;
typedef struct _cl_command_queue *cl_command_queue;
typedef struct _cl_mem *cl_mem;
typedef struct _cl_program *cl_program;
typedef struct _cl_kernel *cl_kernel;
typedef struct _cl_event *cl_event;

#define CL_FALSE	0
#define CL_TRUE		1

enum {
	CL_SUCCESS				= 0,
	CL_DEVICE_NOT_FOUND			= -1,
	CL_MEM_OBJECT_ALLOCATION_FAILURE	= -4,
	CL_OUT_OF_RESOURCES			= -5,
	CL_OUT_OF_HOST_MEMORY			= -6,
	CL_BUILD_PROGRAM_FAILURE		= -11,
	CL_INVALID_VALUE			= -30,
	CL_INVALID_DEVICE_TYPE			= -31,
	CL_INVALID_PLATFORM			= -32,
	CL_INVALID_DEVICE			= -33,
	CL_INVALID_CONTEXT			= -34,
	CL_INVALID_QUEUE_PROPERTIES		= -35,
	CL_INVALID_COMMAND_QUEUE		= -36,
	CL_INVALID_HOST_PTR			= -37,
	CL_INVALID_MEM_OBJECT			= -38,
	CL_INVALID_BINARY			= -42,
	CL_INVALID_PROGRAM			= -44,
	CL_INVALID_PROGRAM_EXECUTABLE		= -45,
	CL_INVALID_KERNEL_NAME			= -46,
	CL_INVALID_KERNEL			= -48,
	CL_INVALID_ARG_INDEX			= -49,
	CL_INVALID_ARG_VALUE			= -50,
	CL_INVALID_ARG_SIZE			= -51,
	CL_INVALID_KERNEL_ARGS			= -52,
	CL_INVALID_WORK_DIMENSION		= -53,
	CL_INVALID_WORK_GROUP_SIZE		= -54,
	CL_INVALID_GLOBAL_OFFSET		= -56,
	CL_INVALID_EVENT_WAIT_LIST		= -57,
	CL_INVALID_EVENT			= -58,
	CL_INVALID_BUFFER_SIZE			= -61,
	CL_INVALID_GLOBAL_WORK_SIZE		= -63,
};

#define CL_DEVICE_TYPE_DEFAULT		(1 << 0)
#define CL_DEVICE_TYPE_CPU		(1 << 1)
#define CL_DEVICE_TYPE_GPU		(1 << 2)
#define CL_DEVICE_TYPE_ACCELERATOR	(1 << 3)
#define CL_DEVICE_TYPE_ALL		0xFFFFFFFF

#define CL_MEM_READ_WRITE		(1 << 0)
#define CL_MEM_WRITE_ONLY		(1 << 1)
#define CL_MEM_READ_ONLY		(1 << 2)
#define CL_MEM_USE_HOST_PTR		(1 << 3)
#define CL_MEM_ALLOC_HOST_PTR		(1 << 4)
#define CL_MEM_COPY_HOST_PTR		(1 << 5)

#define CL_QUEUE_OUT_OF_ORDER_EXEC_MODE_ENABLE	(1 << 0)
#define CL_QUEUE_PROFILING_ENABLE		(1 << 1)
#define CL_QUEUE_PROPERTIES			0x1093

#define CL_PLATFORM_NAME	0x0902
#define CL_DEVICE_NAME		0x102B

#define CL_CALLBACK

/* Platforms and devices (not probed). */
cl_int clGetPlatformIDs(cl_uint num_entries, cl_platform_id *platforms,
			cl_uint *num_platforms);
cl_int clGetPlatformInfo(cl_platform_id platform, cl_platform_info param_name,
			 size_t param_value_size, void *param_value,
			 size_t *param_value_size_ret);
cl_int clGetDeviceIDs(cl_platform_id platform, cl_device_type device_type,
		      cl_uint num_entries, cl_device_id *devices, cl_uint *num_devices);
cl_int clGetDeviceInfo(cl_device_id device, cl_device_info param_name,
		       size_t param_value_size, void *param_value,
		       size_t *param_value_size_ret);

/* Contexts and queues. */
cl_context clCreateContext(const cl_context_properties *properties,
			   cl_uint num_devices, const cl_device_id *devices,
			   void (CL_CALLBACK *pfn_notify)(const char *errinfo,
							  const void *private_info,
							  size_t cb, void *user_data),
			   void *user_data, cl_int *errcode_ret);
cl_context clCreateContextFromType(const cl_context_properties *properties,
				   cl_device_type device_type,
				   void (CL_CALLBACK *pfn_notify)(const char *errinfo,
								  const void *private_info,
								  size_t cb,
								  void *user_data),
				   void *user_data, cl_int *errcode_ret);
cl_int clReleaseContext(cl_context context);
cl_command_queue clCreateCommandQueue(cl_context context, cl_device_id device,
				      cl_command_queue_properties properties,
				      cl_int *errcode_ret);
cl_command_queue clCreateCommandQueueWithProperties(cl_context context,
						    cl_device_id device,
						    const cl_queue_properties *properties,
						    cl_int *errcode_ret);
cl_int clReleaseCommandQueue(cl_command_queue command_queue);
cl_int clFlush(cl_command_queue command_queue);
cl_int clFinish(cl_command_queue command_queue);

/* Programs and kernels. */
cl_program clCreateProgramWithSource(cl_context context, cl_uint count,
				     const char **strings, const size_t *lengths,
				     cl_int *errcode_ret);
cl_program clCreateProgramWithBinary(cl_context context, cl_uint num_devices,
				     const cl_device_id *device_list,
				     const size_t *lengths,
				     const unsigned char **binaries,
				     cl_int *binary_status, cl_int *errcode_ret);
cl_int clBuildProgram(cl_program program, cl_uint num_devices,
		      const cl_device_id *device_list, const char *options,
		      void (CL_CALLBACK *pfn_notify)(cl_program program, void *user_data),
		      void *user_data);
cl_int clReleaseProgram(cl_program program);
cl_kernel clCreateKernel(cl_program program, const char *kernel_name,
			 cl_int *errcode_ret);
cl_int clSetKernelArg(cl_kernel kernel, cl_uint arg_index, size_t arg_size,
		      const void *arg_value);
cl_int clReleaseKernel(cl_kernel kernel);

/* Memory. */
cl_mem clCreateBuffer(cl_context context, cl_mem_flags flags, size_t size,
		      void *host_ptr, cl_int *errcode_ret);
cl_int clReleaseMemObject(cl_mem memobj);
void *clSVMAlloc(cl_context context, cl_svm_mem_flags flags, size_t size,
		 cl_uint alignment);
void clSVMFree(cl_context context, void *svm_pointer);

/* Commands. */
cl_int clEnqueueWriteBuffer(cl_command_queue command_queue, cl_mem buffer,
			    cl_bool blocking_write, size_t offset, size_t size,
			    const void *ptr, cl_uint num_events_in_wait_list,
			    const cl_event *event_wait_list, cl_event *event);
cl_int clEnqueueReadBuffer(cl_command_queue command_queue, cl_mem buffer,
			   cl_bool blocking_read, size_t offset, size_t size, void *ptr,
			   cl_uint num_events_in_wait_list,
			   const cl_event *event_wait_list, cl_event *event);
cl_int clEnqueueCopyBuffer(cl_command_queue command_queue, cl_mem src_buffer,
			   cl_mem dst_buffer, size_t src_offset, size_t dst_offset,
			   size_t size, cl_uint num_events_in_wait_list,
			   const cl_event *event_wait_list, cl_event *event);
cl_int clEnqueueSVMMemcpy(cl_command_queue command_queue, cl_bool blocking_copy,
			  void *dst_ptr, const void *src_ptr, size_t size,
			  cl_uint num_events_in_wait_list,
			  const cl_event *event_wait_list, cl_event *event);
cl_int clEnqueueWriteBufferRect(cl_command_queue command_queue, cl_mem buffer,
				cl_bool blocking_write, const size_t *buffer_origin,
				const size_t *host_origin, const size_t *region,
				size_t buffer_row_pitch, size_t buffer_slice_pitch,
				size_t host_row_pitch, size_t host_slice_pitch,
				const void *ptr, cl_uint num_events_in_wait_list,
				const cl_event *event_wait_list, cl_event *event);
cl_int clEnqueueReadBufferRect(cl_command_queue command_queue, cl_mem buffer,
			       cl_bool blocking_read, const size_t *buffer_origin,
			       const size_t *host_origin, const size_t *region,
			       size_t buffer_row_pitch, size_t buffer_slice_pitch,
			       size_t host_row_pitch, size_t host_slice_pitch,
			       void *ptr, cl_uint num_events_in_wait_list,
			       const cl_event *event_wait_list, cl_event *event);
cl_int clEnqueueNDRangeKernel(cl_command_queue command_queue, cl_kernel kernel,
			      cl_uint work_dim, const size_t *global_work_offset,
			      const size_t *global_work_size,
			      const size_t *local_work_size,
			      cl_uint num_events_in_wait_list,
			      const cl_event *event_wait_list, cl_event *event);
cl_int clEnqueueTask(cl_command_queue command_queue, cl_kernel kernel,
		     cl_uint num_events_in_wait_list, const cl_event *event_wait_list,
		     cl_event *event);

/* Events. */
cl_int clWaitForEvents(cl_uint num_events, const cl_event *event_list);
cl_int clReleaseEvent(cl_event event);

#endif /* VINFER_TEST_CL_API_H */
