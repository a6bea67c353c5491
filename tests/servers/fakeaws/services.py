"""Imports every service module so their handlers and seeders register."""


import importlib

MODULES = ('svc_appconfig', 'svc_autoscaling', 'svc_cloudwatch', 'svc_ecs', 'svc_elbv2',
           'svc_logs', 'svc_rds', 'svc_s3', 'svc_sns', 'svc_ssm', 'svc_sts')


def load_all():
    for name in MODULES:
        importlib.import_module(f'{__package__}.{name}')
